// jest for the dialog's logic (src/__tests__/*.spec.ts), compiled by ts-jest.
// The logic modules import no DOM and no JupyterLab package, so node is enough.
module.exports = {
  testEnvironment: 'node',
  roots: ['<rootDir>/src'],
  testRegex: 'src/__tests__/.*\\.spec\\.ts$',
  transform: {
    '^.+\\.ts$': ['ts-jest', { tsconfig: 'tsconfig.test.json' }]
  }
};
