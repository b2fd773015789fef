"""The assistant's settings: validation (table-driven), and what reaches the lab."""

from __future__ import annotations

from pathlib import Path

import pytest

from govlab import settings
from govlab.assistant.config import CONFIG_SECTION, AssistantConfig
from govlab.labconfig import GOVLAB_PERSONA_ID, lab_environment, lab_server_config

GOOD = [
    pytest.param({}, AssistantConfig(), id="defaults"),
    pytest.param(
        {"privacy_guard": "mask", "tools": "none", "approve": "never", "timeout": 5},
        AssistantConfig(privacy_guard="mask", tools="none", approve="never", timeout=5),
        id="all-set",
    ),
    pytest.param(
        {"tools": "notebook+shell", "timeout": 600},
        AssistantConfig(tools="notebook+shell", timeout=600),
        id="shell-max-timeout",
    ),
    pytest.param(
        {"instructions": "  보도자료는 공문서 작성법을 따르세요.  "},
        AssistantConfig(instructions="보도자료는 공문서 작성법을 따르세요."),
        id="instructions-trimmed",
    ),
    pytest.param({"privacy_guard": "off"}, AssistantConfig(privacy_guard="off"), id="guard-off"),
]

BAD = [
    # (llm section, the key named, words of the fix that must appear)
    pytest.param({"privacy_guard": "strict"}, "llm.privacy_guard", "'block', 'mask' or 'off'", id="guard-unknown"),
    pytest.param({"privacy_guard": True}, "llm.privacy_guard", "'block', 'mask' or 'off'", id="guard-bool"),
    pytest.param({"tools": "all"}, "llm.tools", "'none', 'notebook' or 'notebook+shell'", id="tools-unknown"),
    pytest.param({"tools": "shell"}, "llm.tools", "'notebook+shell'", id="tools-shell-alone"),
    pytest.param({"approve": "sometimes"}, "llm.approve", "'always' or 'never'", id="approve-unknown"),
    pytest.param({"timeout": 4}, "llm.timeout", "from 5 to 600", id="timeout-too-short"),
    pytest.param({"timeout": 601}, "llm.timeout", "from 5 to 600", id="timeout-too-long"),
    pytest.param({"timeout": "soon"}, "llm.timeout", "integer", id="timeout-not-a-number"),
    pytest.param({"instructions": "가" * 4001}, "llm.instructions", "keep it to 4000", id="instructions-too-long"),
    pytest.param({"instruction": "typo"}, "llm.instruction", "", id="unknown-key"),
]


def loaded(llm: dict, **secrets) -> settings.LoadedSettings:
    data = {"llm": llm, "auth": {"shared_password": {"user_password": {"env": "P"}}}}
    return settings.LoadedSettings(
        settings=settings.parse(data),
        secrets=settings.Secrets(**{"user_password": "user-pass", **secrets}),
        source=Path("/etc/govlab/govlab.yaml"),
        state_dir=Path("/state"),
    )


@pytest.mark.parametrize("llm, expected", GOOD)
def test_valid_assistant_settings_reach_the_lab(llm, expected):
    lab = lab_server_config(loaded(llm))
    got = AssistantConfig.from_mapping(lab[CONFIG_SECTION])
    want = {k: v for k, v in expected.to_dict().items() if k not in ("model", "base_url")}
    assert {k: v for k, v in got.to_dict().items() if k not in ("model", "base_url")} == want


@pytest.mark.parametrize("llm, key, fix", BAD)
def test_bad_assistant_settings_name_the_key_and_the_fix(llm, key, fix):
    with pytest.raises(settings.SettingsError) as err:
        settings.parse({"llm": llm})
    problems = dict(err.value.problems)
    assert key in problems, err.value.problems
    assert fix in problems[key]
    # The message stays readable even for a 4001-character value.
    assert len(str(err.value)) < 600


def test_every_lab_defaults_to_the_govlab_persona_and_only_the_configured_model():
    ld = loaded(
        {"model": "openai/qwen", "base_url": "http://10.0.0.5:8000/v1", "api_key": {"env": "K"}},
        llm_api_key="sk-secret-1",
    )
    lab = lab_server_config(ld)
    assert lab["PersonaManager"]["default_persona_id"] == GOVLAB_PERSONA_ID
    assert lab["JupyternautExtension"]["allowed_models"] == ["openai/qwen"]
    assert lab[CONFIG_SECTION]["model"] == "openai/qwen"
    assert lab[CONFIG_SECTION]["base_url"] == "http://10.0.0.5:8000/v1"
    # The key reaches the lab only through its environment, never a file it writes.
    assert "sk-secret-1" not in repr(lab)
    env = lab_environment(ld, lab_config_dir="")
    assert env["OPENAI_API_KEY"] == "sk-secret-1"
    # Any OpenAI-style id litellm resolves in the lab goes to the operator's endpoint.
    assert env["OPENAI_API_BASE"] == env["OPENAI_BASE_URL"] == "http://10.0.0.5:8000/v1"


def test_without_an_endpoint_no_base_url_is_forced_and_the_offline_answer_stays():
    ld = loaded({})
    lab = lab_server_config(ld)
    assert lab[CONFIG_SECTION]["base_url"] == ""
    assert "OPENAI_API_BASE" not in lab_environment(ld, lab_config_dir="")
    (params,) = lab["JupyternautExtension"]["model_parameters"].values()
    assert "mock_response" in params["model_kwargs"]


@pytest.mark.parametrize(
    "section, field, safe",
    [
        ({"privacy_guard": "of"}, "privacy_guard", "block"),
        ({"tools": "everything"}, "tools", "notebook"),
        ({"approve": None}, "approve", "always"),
        ({"timeout": "x"}, "timeout", 60),
        ({"timeout": 100000}, "timeout", 600),
        ({"timeout": 0}, "timeout", 5),
    ],
)
def test_a_hand_edited_lab_config_falls_back_to_the_safe_value(section, field, safe):
    assert getattr(AssistantConfig.from_mapping(section), field) == safe
