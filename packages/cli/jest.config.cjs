module.exports = { ...require('@logq/jest-preset'), globalSetup: '<rootDir>/test/global-setup.cjs' };
