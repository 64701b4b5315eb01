module.exports = { ...require('@logq/jest-preset') };
