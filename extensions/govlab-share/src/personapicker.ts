/**
 * While the lab offers one persona (govlab's "AI 도우미", see
 * hub/govlab/assistant/persona_manager.py), jupyter-ai's persona picker in the chat
 * input is no picker: its button stays as a plain label naming who answers, without
 * the menu arrow, and a click or a key on it opens nothing.
 *
 * With one persona the menu offers that persona and jupyter-ai's "No one": nothing to
 * choose, and one wrong click would send the next question to nobody. jupyter-ai has no
 * setting for it, and its persona list lives in a registry only reachable with a build
 * dependency on @jupyter-ai/persona-manager. So this reads the same source the picker
 * reads: jupyter-ai's "personas" events on the lab's event stream (one per chat, with
 * the chat's persona list), and marks the page while every chat has at most one. The
 * stylesheet (style/base.css) drops the arrow and pointer events; a capture-phase
 * listener, ahead of React's, swallows clicks and keys (a keyboard user could still
 * focus it otherwise). With one persona jupyter-ai selects it by itself.
 */
import {
  JupyterFrontEnd,
  JupyterFrontEndPlugin
} from '@jupyterlab/application';

import { LABELS } from './jailabels';

/** @jupyter-ai/persona-manager's PERSONAS_EVENT_SCHEMA_ID. */
export const PERSONAS_EVENT =
  'https://schema.jupyter.org/jupyter_ai_persona_manager/personas/v1';
/** jupyter-ai's class on the picker's button (`${A}-persona-btn` in its bundle). */
const PICKER = '.jp-jai-personaControls-persona-btn';
/** The page attribute the stylesheet reads (data-govlab-single-persona). */
const MARK = 'govlabSinglePersona';
const LABEL =
  '메시지는 이 도우미가 받습니다 / Your messages go to this assistant';

function single(): boolean {
  return document.body.dataset[MARK] === 'true';
}

/** The picker's button as a label: out of the tab order, described as what it is. */
function quiet(): void {
  if (!single()) {
    return;
  }
  for (const button of Array.from(
    document.querySelectorAll<HTMLElement>(PICKER)
  )) {
    if (button.getAttribute('tabindex') !== '-1') {
      button.setAttribute('tabindex', '-1');
    }
    if (button.getAttribute('aria-disabled') !== 'true') {
      button.setAttribute('aria-disabled', 'true');
    }
    if (button.getAttribute('title') !== LABEL) {
      button.setAttribute('title', LABEL);
    }
  }
}

export const singlePersonaPlugin: JupyterFrontEndPlugin<void> = {
  id: '@govlab/share:single-persona',
  description:
    "jupyter-ai's persona picker is a plain label while only one persona is offered.",
  autoStart: true,
  activate: (app: JupyterFrontEnd) => {
    const counts = new Map<string, number>(); // chat id -> personas offered in it
    app.serviceManager.events.stream.connect((_, event) => {
      if (event.schema_id !== PERSONAS_EVENT) {
        return;
      }
      const chatId = event.chat_id;
      const personas = event.personas;
      // jupyter-ai keeps the previous list when an event brings an empty one: so do we.
      if (
        typeof chatId !== 'string' ||
        !Array.isArray(personas) ||
        !personas.length
      ) {
        return;
      }
      counts.set(chatId, personas.length);
      document.body.dataset[MARK] = String(
        Array.from(counts.values()).every(n => n <= 1)
      );
      if (single()) {
        quiet();
      } else {
        // A chat with several personas appeared: the buttons are pickers again.
        for (const button of Array.from(
          document.querySelectorAll<HTMLElement>(PICKER)
        )) {
          button.setAttribute('tabindex', '0');
          button.removeAttribute('aria-disabled');
          button.setAttribute(
            'title',
            LABELS['Choose which persona to message']
          );
        }
      }
    });

    const swallow = (event: Event) => {
      const target = event.target as Element | null;
      if (single() && target?.closest?.(PICKER)) {
        event.preventDefault();
        event.stopPropagation();
      }
    };
    for (const type of ['click', 'mousedown', 'keydown', 'keyup']) {
      document.addEventListener(type, swallow, true);
    }

    let scheduled = false;
    void app.restored.then(() => {
      // React re-creates the button (a chat opened, re-rendered): one pass per frame.
      new MutationObserver(() => {
        if (scheduled || !single()) {
          return;
        }
        scheduled = true;
        requestAnimationFrame(() => {
          scheduled = false;
          quiet();
        });
      }).observe(document.body, {
        childList: true,
        subtree: true,
        attributes: true,
        attributeFilter: ['title', 'tabindex']
      });
    });
  }
};
