import { join } from 'node:path';
import { makeTempDir, removeTempDir } from '@logq/services';
import { runLogq, STACK_LINE } from './helpers.js';

describe('logq usage (the built bin)', () => {
  it('--help prints the commands and exits 0; each command has its own --help', async () => {
    const top = await runLogq(['--help']);
    expect(top.code).toBe(0);
    expect(top.stdout).toMatch(/Usage: logq <command>/);
    expect(top.stdout).toMatch(/tail <uri>[\s\S]*send <uri>[\s\S]*bridge <from-uri> <to-uri>/);
    for (const command of ['tail', 'send', 'bridge']) {
      const help = await runLogq([command, '--help']);
      expect(help.code).toBe(0);
      expect(help.stdout).toContain(`Usage: logq ${command} `);
    }
  });

  it.each([
    [[], /Usage: logq <command>/],
    [['frobnicate'], /unknown command "frobnicate"[\s\S]*Usage: logq <command>/],
    [['tail'], /tail: missing the URI[\s\S]*Usage: logq tail/],
    [['tail', 'redis://127.0.0.1:1', '--nope'], /Unknown option '--nope'[\s\S]*Usage: logq tail/],
    [['tail', 'redis://127.0.0.1:1', '--level', 'loud'], /no such level "loud"/],
    [['send', 'redis://127.0.0.1:1'], /give a message, or --stdin[\s\S]*Usage: logq send/],
    [['send', 'redis://127.0.0.1:1', 'hi', '--kw', 'novalue'], /--kw expects key=value/],
    [['bridge', 'redis://127.0.0.1:1'], /bridge: missing URIs[\s\S]*Usage: logq bridge/],
  ])('bad arguments %j: usage on stderr, exit code 2', async (args, message) => {
    const result = await runLogq(args);
    expect(result.code).toBe(2);
    expect(result.stdout + result.stderr).toMatch(message);
    expect(result.stderr).not.toMatch(STACK_LINE);
  });

  it('a URI whose transport is not installed names the package to install: exit 1, no stack trace', async () => {
    const dir = makeTempDir('cli');
    try {
      // @logq/amqp is not installed next to the CLI nor in the (empty) working directory.
      const result = await runLogq(['tail', 'amqp://guest:hunter2@127.0.0.1:1/'], { cwd: dir });
      expect(result.code).toBe(1);
      expect(result.stderr).toContain(
        '"amqp://" URIs need the @logq/amqp package: install it with `npm install @logq/amqp`',
      );
      expect(result.stderr).not.toMatch(STACK_LINE);
      expect(result.stderr).not.toContain('hunter2');
      const unknown = await runLogq(['send', 'nosuch://x', 'hi'], { cwd: dir });
      expect(unknown.code).toBe(1);
      expect(unknown.stderr).toContain('no logq transport handles "nosuch://" URIs');
      expect(unknown.stderr).toContain('--require <module>');
      expect(unknown.stderr).not.toMatch(STACK_LINE);
    } finally {
      removeTempDir(dir);
    }
  });

  it('--require of a module that does not exist: exit 1, clear message', async () => {
    const result = await runLogq(['tail', 'x://y', '--require', join('test', 'fixtures', 'missing.mjs')]);
    expect(result.code).toBe(1);
    expect(result.stderr).toMatch(/--require test\/fixtures\/missing\.mjs: cannot load it/);
    expect(result.stderr).not.toMatch(STACK_LINE);
  });
});
