import { describe, expect, it } from '@jest/globals';
import {
  CommandSplitError,
  expandHookWord,
  goExpand,
  hookArgv,
  hookChildEnv,
  queryEscape,
  queryUnescape,
  splitCommand,
  UNTERMINATED_DOUBLE_QUOTE,
  UNTERMINATED_ESCAPE,
  UNTERMINATED_SINGLE_QUOTE,
} from './command-line.js';

describe('splitCommand (go-shellquote Split)', () => {
  // go-shellquote's own table (unquote_test.go, simpleSplitTest).
  it.each<[string, string[]]>([
    ['hello', ['hello']],
    ['hello goodbye', ['hello', 'goodbye']],
    ['hello   goodbye', ['hello', 'goodbye']],
    ['glob* test?', ['glob*', 'test?']],
    ["don\\'t you know the dewey decimal system\\?", ["don't", 'you', 'know', 'the', 'dewey', 'decimal', 'system?']],
    ["'don'\\''t you know the dewey decimal system?'", ["don't you know the dewey decimal system?"]],
    ["one '' two", ['one', '', 'two']],
    ['text with\\\na backslash-escaped newline', ['text', 'witha', 'backslash-escaped', 'newline']],
    ['text "with\na" quoted newline', ['text', 'with\na', 'quoted', 'newline']],
    ['"quoted\\d\\\\\\" text with\\\na backslash-escaped newline"', ['quoted\\d\\" text witha backslash-escaped newline']],
    ['text with an escaped \\\n newline in the middle', ['text', 'with', 'an', 'escaped', 'newline', 'in', 'the', 'middle']],
    ['foo"bar"baz', ['foobarbaz']],
  ])('%j', (input, words) => {
    expect(splitCommand(input)).toEqual(words);
  });

  it.each<[string, string]>([
    ["don't worry", UNTERMINATED_SINGLE_QUOTE],
    ["'test'\\''ing", UNTERMINATED_SINGLE_QUOTE],
    ['"foo\'bar', UNTERMINATED_DOUBLE_QUOTE],
    ['foo\\', UNTERMINATED_ESCAPE],
    ['   \\', UNTERMINATED_ESCAPE],
    ['"ends with a backslash\\', UNTERMINATED_DOUBLE_QUOTE],
  ])('%j fails with %s', (input, message) => {
    expect(() => splitCommand(input)).toThrow(new CommandSplitError(message));
  });

  it('keeps $ and other shell syntax as plain characters and splits only on space, tab, newline', () => {
    expect(splitCommand('a|b && c>d $X "${Y}" \'$Z\'\tx\r')).toEqual(['a|b', '&&', 'c>d', '$X', '${Y}', '$Z', 'x\r']);
    expect(splitCommand('"a\\$b" "a\\`b" "a\\xb" a\\ b')).toEqual(['a$b', 'a`b', 'a\\xb', 'a b']);
    expect(splitCommand('"\\"not closed by an escaped quote\\""')).toEqual(['"not closed by an escaped quote"']);
    expect(splitCommand('  ')).toEqual([]);
  });
});

describe('goExpand (Go os.Expand)', () => {
  // Go's own table (src/os/env_test.go, expandTests) with its testGetenv mapping.
  const testGetenv = (name: string): string =>
    ({ '*': 'all the args', '#': 'NARGS', $: 'PID', '1': 'ARGUMENT1', HOME: '/usr/gopher', H: '(Value of H)', home_1: '/usr/foo', _: 'underscore' })[name] ?? '';
  it.each<[string, string]>([
    ['', ''],
    ['$*', 'all the args'],
    ['$$', 'PID'],
    ['${*}', 'all the args'],
    ['$1', 'ARGUMENT1'],
    ['${1}', 'ARGUMENT1'],
    ['now is the time', 'now is the time'],
    ['$HOME', '/usr/gopher'],
    ['$home_1', '/usr/foo'],
    ['${HOME}', '/usr/gopher'],
    ['${H}OME', '(Value of H)OME'],
    ['A$$$#$1$H$home_1*B', 'APIDNARGSARGUMENT1(Value of H)/usr/foo*B'],
    ['start$+middle$^end$', 'start$+middle$^end$'],
    ['mixed$|bag$$$', 'mixed$|bagPID$'],
    ['$', '$'],
    ['$}', '$}'],
    ['${', ''],
    ['${}', ''],
  ])('%j → %j', (input, output) => {
    expect(goExpand(input, testGetenv)).toBe(output);
  });

  it('does not expand a replaced value again', () => {
    expect(goExpand('$A', (name) => (name === 'A' ? '$B' : 'no'))).toBe('$B');
  });
});

describe('MediaMTX hook commands (externalcmd)', () => {
  it('looks names up in the hook variables first, then in the process environment, else empty', () => {
    const hookEnv = { MTX_PATH: 'cam1', MTX_SOURCE_ID: '' };
    const processEnv = { MTX_PATH: 'not-this', MTX_SOURCE_ID: 'not-this-either', RELAY_URL: 'http://relay:3000' };
    expect(expandHookWord('$RELAY_URL/$MTX_PATH/[$MTX_SOURCE_ID]/[$UNKNOWN]/${MTX_PATH}x', hookEnv, processEnv)).toBe(
      'http://relay:3000/cam1/[]/[]/cam1x',
    );
  });

  it('splits before expanding: values with spaces, quotes and $ stay one word, unexpanded', () => {
    const hookEnv = { MTX_QUERY: `a b "c" 'd' $HOME \\ e` };
    expect(hookArgv('prog "--header=Q: $MTX_QUERY" $MTX_QUERY', hookEnv, { HOME: '/root' })).toEqual([
      'prog',
      `--header=Q: a b "c" 'd' $HOME \\ e`,
      `a b "c" 'd' $HOME \\ e`,
    ]);
    // Single quotes do not protect from MediaMTX's expansion (it happens after the shell-like split).
    expect(hookArgv("echo '$MTX_PATH'", { MTX_PATH: 'cam' }, {})).toEqual(['echo', 'cam']);
  });

  it("passes MediaMTX's own regression test (cmd_test.go, TestCmdRunExpandAfterSplit)", () => {
    expect(hookArgv(`sh -c 'echo "$MY_VAR" > /tmp/out'`, { MY_VAR: "it's" }, {})).toEqual(['sh', '-c', `echo "it's" > /tmp/out`]);
  });

  it('refuses an empty command', () => {
    expect(() => hookArgv(' \t', {}, {})).toThrow(CommandSplitError);
  });

  it("gives the child MediaMTX's environment plus the hook variables, which win", () => {
    expect(hookChildEnv({ PATH: '/bin', MTX_PATH: 'old', UNSET: undefined }, { MTX_PATH: 'cam' })).toEqual({ PATH: '/bin', MTX_PATH: 'cam' });
  });
});

describe('queryEscape / queryUnescape (Go url.QueryEscape / QueryUnescape)', () => {
  it('escapes like Go', () => {
    // internal/core/test_on_demand/main.go expects this MTX_QUERY for ?key1=val1&key2=val2.
    expect(queryEscape('key1=val1&key2=val2')).toBe('key1%3Dval1%26key2%3Dval2');
    expect(queryEscape('a b+c/d?e:f;g@h,i$j!k*l(m)n\'o"p~q.r_s-t')).toBe(
      'a+b%2Bc%2Fd%3Fe%3Af%3Bg%40h%2Ci%24j%21k%2Al%28m%29n%27o%22p~q.r_s-t',
    );
    expect(queryEscape('é%20')).toBe('%C3%A9%2520');
  });

  it('round-trips and rejects bad escapes', () => {
    const raw = 'token=abc&name=x%20y&q="quoted"&sp=a b&u=é';
    expect(queryUnescape(queryEscape(raw))).toBe(raw);
    expect(() => queryUnescape('%zz')).toThrow('invalid URL escape "%zz"');
  });
});
