/**
 * How MediaMTX turns a hook setting (runOnRead, runOnAvailable, ...) into a process, ported from
 * MediaMTX v1.20.1 (commit 3e09466) so that tests run the repo's own mediamtx.yml exactly as
 * MediaMTX would. See README.md next to this file for the sources.
 *
 * Linux (internal/externalcmd/cmd_os.go):
 *   1. split the whole string into words with github.com/kballard/go-shellquote Split;
 *   2. expand `$VAR` / `${VAR}` in EACH WORD with Go's os.Expand, looking the name up first in
 *      the hook's variables, then in MediaMTX's own environment (os.Getenv: unknown → "");
 *   3. exec words[0] with words[1:] (no shell), environment = MediaMTX's environment plus the
 *      hook's variables (these win).
 * On Windows a command starting with "cmd " or "cmd.exe " is handed to cmd.exe unsplit (after
 * expansion); anything else is split and expanded as on Linux. Only the Linux rules are ported.
 */

export const UNTERMINATED_SINGLE_QUOTE = 'Unterminated single-quoted string';
export const UNTERMINATED_DOUBLE_QUOTE = 'Unterminated double-quoted string';
export const UNTERMINATED_ESCAPE = 'Unterminated backslash-escape';

/** go-shellquote's error values, with the same messages. */
export class CommandSplitError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'CommandSplitError';
  }
}

const SPLIT_CHARS = ' \n\t';
const DOUBLE_ESCAPE_CHARS = '$`"\n\\';

/**
 * go-shellquote Split (v0.0.0-20180428030007-95032a82bc51): /bin/sh word splitting with
 * backslash escapes, '...' and "..." quoting, and nothing else: no `$'...'`, no expansion, no
 * globbing. Inside "...", a backslash only escapes $ ` " \ and newline (and is kept before any
 * other character); a backslash-newline disappears. Words are separated by space, tab and
 * newline only. `''` yields an empty word.
 */
export function splitCommand(input: string): string[] {
  const words: string[] = [];
  let i = 0;
  while (i < input.length) {
    const c = input[i];
    if (SPLIT_CHARS.includes(c)) {
      i++;
      continue;
    }
    if (c === '\\') {
      if (i + 1 >= input.length) throw new CommandSplitError(UNTERMINATED_ESCAPE);
      if (input[i + 1] === '\n') {
        i += 2;
        continue;
      }
    }
    const [word, next] = splitWord(input, i);
    words.push(word);
    i = next;
  }
  return words;
}

/** One word starting at `start`; returns it and the index just after its terminator. */
function splitWord(input: string, start: number): [string, number] {
  let buf = '';
  let i = start;
  type State = 'raw' | 'escape' | 'single' | 'double';
  let state: State = 'raw';
  for (;;) {
    switch (state) {
      case 'raw': {
        let j = i;
        let next: State | undefined;
        for (; j < input.length; j++) {
          const c = input[j];
          if (c === "'") next = 'single';
          else if (c === '"') next = 'double';
          else if (c === '\\') next = 'escape';
          else if (SPLIT_CHARS.includes(c)) {
            buf += input.slice(i, j);
            return [buf, j + 1];
          }
          if (next) break;
        }
        buf += input.slice(i, j);
        if (!next) return [buf, input.length];
        i = j + 1;
        state = next;
        break;
      }
      case 'escape': {
        if (i >= input.length) throw new CommandSplitError(UNTERMINATED_ESCAPE);
        // A backslash-escaped newline is elided from the output entirely.
        if (input[i] !== '\n') buf += input[i];
        i++;
        state = 'raw';
        break;
      }
      case 'single': {
        const end = input.indexOf("'", i);
        if (end === -1) throw new CommandSplitError(UNTERMINATED_SINGLE_QUOTE);
        buf += input.slice(i, end);
        i = end + 1;
        state = 'raw';
        break;
      }
      case 'double': {
        let j = i;
        let closed = false;
        while (j < input.length) {
          const c = input[j];
          if (c === '"') {
            buf += input.slice(i, j);
            i = j + 1;
            closed = true;
            break;
          }
          if (c === '\\') {
            const c2 = input[j + 1];
            if (c2 !== undefined && DOUBLE_ESCAPE_CHARS.includes(c2)) {
              buf += input.slice(i, j);
              if (c2 !== '\n') buf += c2;
              i = j + 2;
            }
            // Either way the escaped character is not looked at again (a `\"` never closes).
            j += 2;
            continue;
          }
          j++;
        }
        if (!closed) throw new CommandSplitError(UNTERMINATED_DOUBLE_QUOTE);
        state = 'raw';
        break;
      }
    }
  }
}

function isShellSpecialVar(c: string): boolean {
  return '*#$@!?-0123456789'.includes(c);
}

function isAlphaNum(c: string): boolean {
  return c === '_' || (c >= '0' && c <= '9') || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z');
}

/** Go's os.getShellName: the name after a `$` and how many characters it took. */
function getShellName(s: string): [string, number] {
  if (s[0] === '{') {
    if (s.length > 2 && isShellSpecialVar(s[1]) && s[2] === '}') return [s[1], 3];
    for (let i = 1; i < s.length; i++) {
      if (s[i] === '}') {
        if (i === 1) return ['', 2]; // Bad syntax; eat "${}"
        return [s.slice(1, i), i + 1];
      }
    }
    return ['', 1]; // Bad syntax; eat "${"
  }
  if (isShellSpecialVar(s[0])) return [s[0], 1];
  let i = 0;
  while (i < s.length && isAlphaNum(s[i])) i++;
  return [s.slice(0, i), i];
}

/**
 * Go's os.Expand: `$NAME` (letters, digits, underscore) and `${ANYTHING}` are replaced by
 * mapping(name); `$1`, `$$`, `$*`, `$?`... are one-character names (so usually vanish);
 * `${}` and an unterminated `${` are dropped; a `$` followed by anything else (or at the very
 * end) stays. Single pass: a replaced value is never expanded again.
 */
export function goExpand(s: string, mapping: (name: string) => string): string {
  let out = '';
  let i = 0;
  for (let j = 0; j < s.length; j++) {
    if (s[j] === '$' && j + 1 < s.length) {
      out += s.slice(i, j);
      const [name, w] = getShellName(s.slice(j + 1));
      if (name === '' && w > 0) {
        // invalid syntax: eat the characters
      } else if (name === '') {
        out += '$';
      } else {
        out += mapping(name);
      }
      j += w;
      i = j + 1;
    }
  }
  return out + s.slice(i);
}

export type Environment = Record<string, string | undefined>;

/** externalcmd.expandEnv: the hook's variables first, then MediaMTX's environment, else "". */
export function expandHookWord(word: string, hookEnv: Environment, processEnv: Environment): string {
  return goExpand(word, (name) => {
    if (Object.prototype.hasOwnProperty.call(hookEnv, name) && hookEnv[name] !== undefined) return hookEnv[name];
    return processEnv[name] ?? '';
  });
}

/** The argv MediaMTX execs for a hook command (split first, then expand each word). */
export function hookArgv(command: string, hookEnv: Environment, processEnv: Environment): string[] {
  const words = splitCommand(command).map((word) => expandHookWord(word, hookEnv, processEnv));
  // MediaMTX would index words[0] of an empty list (and panic); it only runs non-empty settings.
  if (words.length === 0) throw new CommandSplitError('empty command');
  return words;
}

/** The child's environment: MediaMTX's own (os.Environ()) plus the hook's variables, which win. */
export function hookChildEnv(processEnv: Environment, hookEnv: Environment): Record<string, string> {
  const env: Record<string, string> = {};
  for (const [key, value] of Object.entries(processEnv)) if (value !== undefined) env[key] = value;
  for (const [key, value] of Object.entries(hookEnv)) if (value !== undefined) env[key] = value;
  return env;
}

function isQueryUnreserved(byte: number): boolean {
  return (
    (byte >= 0x30 && byte <= 0x39) ||
    (byte >= 0x41 && byte <= 0x5a) ||
    (byte >= 0x61 && byte <= 0x7a) ||
    byte === 0x2d || // -
    byte === 0x5f || // _
    byte === 0x2e || // .
    byte === 0x7e // ~
  );
}

/**
 * Go's url.QueryEscape, which MediaMTX applies to the raw query before putting it in MTX_QUERY:
 * every UTF-8 byte except A-Z a-z 0-9 - _ . ~ becomes %XX (upper case), a space becomes "+".
 * So "a=1&b=x y" arrives as "a%3D1%26b%3Dx+y".
 */
export function queryEscape(s: string): string {
  let out = '';
  for (const byte of Buffer.from(s, 'utf8')) {
    if (isQueryUnreserved(byte)) out += String.fromCharCode(byte);
    else if (byte === 0x20) out += '+';
    else out += '%' + byte.toString(16).toUpperCase().padStart(2, '0');
  }
  return out;
}

/** Go's url.QueryUnescape (the inverse of queryEscape): "+" is a space; a bad %XX throws. */
export function queryUnescape(s: string): string {
  const bytes: number[] = [];
  let literal = '';
  const flush = (): void => {
    bytes.push(...Buffer.from(literal, 'utf8'));
    literal = '';
  };
  for (let i = 0; i < s.length; i++) {
    const c = s[i];
    if (c === '%') {
      const hex = s.slice(i + 1, i + 3);
      if (!/^[0-9a-fA-F]{2}$/.test(hex)) throw new Error(`invalid URL escape "${s.slice(i, i + 3)}"`);
      flush();
      bytes.push(parseInt(hex, 16));
      i += 2;
    } else if (c === '+') {
      literal += ' ';
    } else {
      literal += c;
    }
  }
  flush();
  return Buffer.from(bytes).toString('utf8');
}
