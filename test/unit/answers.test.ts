import { describe, expect, it } from 'vitest';
import { PROJECT_FILES } from '../../generators/app/files.js';
import { planFiles } from '../../generators/lib/manifest.js';
import {
  AnswerError,
  checkPartialAnswers,
  completeAnswers,
  defaultAnswers,
  derivePackageName,
  deriveProjectName,
  normalizeAnswer,
  parseAuthor,
  parseSize,
  validateAuthor,
  validateDescription,
  validateDomain,
  validatePackageName,
  validatePort,
  validateProjectName,
  verdictFor,
} from '../../generators/lib/answers.js';

// Expected values from DESIGN, not from the module under test: 1 MiB, HSTS max-age two years.
const MIB = 1_048_576;
const HSTS_DEFAULT = 63_072_000;

const HOSTILE = [
  `"`, `'`, `\\`, 'a\nb', 'a\rb', '<%', '%>', '<%= x %>', '{{ x }}', '{% if %}', '../x', '/etc/passwd',
  'x'.repeat(300), 'ünïcödé', 'emoji😀', '\u2028', 'a\u0000b',
];

describe('project name', () => {
  it.each(['my-service', 'a', 'api2', 'payments-v2-eu'])('accepts %s', (name) => {
    expect(validateProjectName(name)).toBe(true);
  });
  it.each([...HOSTILE, '', 'My-Service', '-x', 'x-', 'a--b', '2fast', 'my_service', 'x'.repeat(65)])(
    'refuses %j with a one-line message',
    (name) => {
      const verdict = validateProjectName(name);
      expect(verdict).not.toBe(true);
      expect(String(verdict)).not.toContain('\n');
    },
  );
  it('refuses non-strings', () => {
    expect(validateProjectName(3)).not.toBe(true);
  });
});

describe('package name', () => {
  it.each(['my_service', '_private', 'svc2'])('accepts %s', (name) => {
    expect(validatePackageName(name)).toBe(true);
  });
  it.each([
    ['class', /keyword/],
    ['flask', /shadow a dependency/],
    ['test', /shadow the project's own test module/],
    ['tests', /shadow the project's own tests module/],
    ['json', /standard library/],
    ['email', /standard library/],
    ['secrets', /standard library/],
    ['os', /standard library/],
    ['My', /identifier/],
    ['my-service', /identifier/],
    ['2x', /identifier/],
    ['../x', /identifier/],
    ['x'.repeat(300), /at most/],
  ])('refuses %s', (name, reason) => {
    expect(validatePackageName(name)).toMatch(reason);
  });
  it('derives from the project name', () => {
    expect(derivePackageName('my-service')).toBe('my_service');
    expect(derivePackageName('payments-v2')).toBe('payments_v2');
  });
  it('derives a project name from any folder name', () => {
    expect(deriveProjectName('My Service')).toBe('my-service');
    expect(deriveProjectName('2024_app')).toBe('app');
    expect(deriveProjectName('Ünïcode')).toBe('unicode');
    expect(deriveProjectName('...')).toBe('flask-service');
    expect(validateProjectName(deriveProjectName('x'.repeat(300)))).toBe(true);
  });
});

describe('free text', () => {
  it.each([`He said "hi"`, `it's`, 'back\\slash', '<% evil %>', '{{ 7*7 }}', '{% raw %}', 'ünïcödé 😀', '../x', '/abs'])(
    'keeps %j as a valid description and author',
    (text) => {
      expect(validateDescription(text)).toBe(true);
      expect(validateAuthor(text)).toBe(true);
    },
  );
  it.each(['a\nb', 'a\rb', 'tab\there', 'nul\u0000', 'ls\u2028x', ' padded '])('refuses %j', (text) => {
    expect(validateDescription(text)).not.toBe(true);
  });
  it('bounds the length', () => {
    expect(validateDescription('x'.repeat(300))).toBe(true);
    expect(validateDescription('😀'.repeat(300))).toBe(true); // characters, not UTF-16 units
    expect(validateDescription('x'.repeat(301))).toMatch(/at most 300/);
    expect(validateAuthor('x'.repeat(101))).toMatch(/at most 100/);
  });
  it('allows an empty author', () => {
    expect(validateAuthor('')).toBe(true);
  });
});

describe('domain', () => {
  it.each(['localhost', 'example.com', 'api.eu-1.example.co.uk', 'xn--bcher-kva.example'])('accepts %s', (d) => {
    expect(validateDomain(d)).toBe(true);
  });
  it.each(['', 'Example.com', 'https://example.com', 'example.com:443', 'example.com/x', '*.example.com', '-x.com',
    'x..com', '127.0.0.1', 'example.com.', 'exa mple.com', '../x', `a"b`, 'a;b', 'x'.repeat(300)])('refuses %j', (d) => {
    expect(validateDomain(d)).not.toBe(true);
  });
});

describe('numbers and sizes', () => {
  it('parses sizes in binary units', () => {
    expect(parseSize('1048576')).toBe(MIB);
    expect(parseSize('1m')).toBe(MIB);
    expect(parseSize('1 MiB')).toBe(MIB);
    expect(parseSize('512k')).toBe(512 * 1024);
    expect(parseSize(2048)).toBe(2048);
    expect(parseSize('1.5m')).toBeUndefined();
    expect(parseSize('lots')).toBeUndefined();
    expect(parseSize('-1')).toBeUndefined();
  });
  it('bounds ports', () => {
    expect(validatePort(8000)).toBe(true);
    expect(validatePort(80)).not.toBe(true);
    expect(validatePort(70000)).not.toBe(true);
    expect(validatePort(80.5)).not.toBe(true);
    expect(validatePort('8000')).not.toBe(true);
  });
});

describe('answer sets', () => {
  it('has defaults that pass validation', () => {
    expect(completeAnswers({}, 'my-service')).toEqual(defaultAnswers('my-service'));
    expect(defaultAnswers('x').hstsMaxAge).toBe(HSTS_DEFAULT);
    expect(defaultAnswers('x').maxContentLength).toBe(MIB);
  });
  it('normalises sizes given as text', () => {
    expect(checkPartialAnswers({ maxContentLength: '2m' })).toEqual({ maxContentLength: 2 * MIB });
  });
  it('follows the project name with the package name unless given', () => {
    expect(completeAnswers({ projectName: 'billing-api' }, 'x').packageName).toBe('billing_api');
    expect(completeAnswers({ projectName: 'billing-api', packageName: 'billing' }, 'x').packageName).toBe('billing');
  });
  it.each([
    [[], /JSON object/],
    [null, /JSON object/],
    [{ domian: 'x' }, /unknown answer "domian"/],
    [{ includeApi: 'yes' }, /true or false/],
    [{ pythonVersion: '3.9' }, /one of 3.11, 3.12, 3.13/],
    [{ ci: 'jenkins' }, /one of github/],
    [{ hstsMaxAge: 0 }, /between/],
    [{ maxContentLength: '1g' }, /whole number/],
  ])('refuses %j', (raw, reason) => {
    expect(() => checkPartialAnswers(raw)).toThrow(AnswerError);
    expect(() => checkPartialAnswers(raw)).toThrow(reason);
  });
});

describe('names the project would shadow', () => {
  // Modules bandit, pip-audit and pytest import: the list is derived from the project's venv.
  it.each(['yaml', 'packaging', 'typing_extensions', 'pygments', 'requests', '_pytest', 'py', 'pluggy', 'wtforms'])(
    'refuses %s, a module the project installs',
    (name) => {
      expect(validatePackageName(name)).toMatch(/shadow a dependency or tool/);
    },
  );
  it.each(['__main__', '__init__', '__future__', '_thread', 'tomllib', 'zoneinfo'])('refuses %s', (name) => {
    expect(validatePackageName(name)).toMatch(/dunder|standard library/);
  });
  it.each(['match', 'case', 'type', '_'])('allows the soft keyword %s (the generator matrix proves the project works)', (name) => {
    expect(validatePackageName(name)).toBe(true);
  });
  it("covers the project's own top-level modules", () => {
    const files = planFiles(PROJECT_FILES, defaultAnswers('x')).map((file) => file.to);
    const own = new Set<string>();
    for (const path of files) {
      const [first, ...rest] = path.split('/');
      if (rest.length > 0 && !first!.startsWith('.')) own.add(first!);
      else if (first!.endsWith('.py') && !first!.includes('.conf.')) own.add(first!.slice(0, -3));
      if (first === 'tests' && rest.length === 1 && rest[0] === 'conftest.py') own.add('conftest');
    }
    own.delete('deploy'); // no Python in it
    for (const name of own) expect(validatePackageName(name), name).toMatch(/shadow/);
  });
});

describe('invisible, reordering and broken characters (Trojan Source)', () => {
  const HIDDEN = [
    ['U+202E right-to-left override', '\u202e'],
    ['U+2066 left-to-right isolate', '\u2066'],
    ['U+200B zero-width space', '\u200b'],
    ['U+200D zero-width joiner', '\u200d'],
    ['U+FEFF byte-order mark', '\ufeff'],
    ['U+E0041 tag character', '\u{e0041}'],
    ['U+0085 next line (C1 control)', '\u0085'],
    ['U+001B escape', '\u001b'],
    ['a lone surrogate', '\ud800'],
    ['U+E000 private use', '\ue000'],
  ] as const;
  it.each(HIDDEN)('refuses %s in every text answer, naming the code point', (_label, ch) => {
    for (const key of ['description', 'author', 'projectName', 'packageName', 'domain'] as const) {
      const raw = { [key]: `ab${ch}cd` };
      expect(() => checkPartialAnswers(raw), key).toThrow(AnswerError);
      if (key === 'description' || key === 'author') {
        expect(() => checkPartialAnswers(raw), key).toThrow(new RegExp(`${key} holds .*U\\+${ch.codePointAt(0)!.toString(16).toUpperCase().padStart(4, '0')}`));
      }
    }
  });
  it('keeps ordinary non-ASCII text', () => {
    expect(checkPartialAnswers({ description: 'Zoë’s café — 😀', author: 'Zoë Ünal' })).toEqual({ description: 'Zoë’s café — 😀', author: 'Zoë Ünal' });
  });
});

describe('author', () => {
  it.each([
    ['', {}],
    ['Jane Doe', { name: 'Jane Doe' }],
    ['Jane Doe <jane@example.com>', { name: 'Jane Doe', email: 'jane@example.com' }],
    ['<jane@example.com>', { email: 'jane@example.com' }],
    ['jane@example.com', { email: 'jane@example.com' }],
    [`O'Brien "Bob" <% x %> <bob@example.com>`, { name: `O'Brien "Bob" <% x %>`, email: 'bob@example.com' }],
    ['<% evil %>', { name: '<% evil %>' }],
  ])('splits %j into name and email', (text, expected) => {
    expect(parseAuthor(text)).toEqual(expected);
  });
  it.each([
    ['Doe, Jane', /without a comma/],
    ['Jane <jane@@example.com>', /not an address/],
    ['Jane <ja ne@example.com>', /not an address/],
    ['jane@', /looks like an email/],
  ])('refuses %j', (text, reason) => {
    expect(validateAuthor(text)).toMatch(reason);
  });
});

describe('normalisation', () => {
  it('lowercases a domain typed in capitals', () => {
    expect(checkPartialAnswers({ domain: 'API.Example.COM' })).toEqual({ domain: 'api.example.com' });
    expect(normalizeAnswer('domain', 'Example.com')).toBe('example.com');
    expect(validateDomain('Example.com')).not.toBe(true); // the validator itself stays strict
  });
  it('gives prompts and answer files the same verdict', () => {
    for (const raw of ['512k', '1m', '1048576', 1048576]) expect(verdictFor('maxContentLength', raw), String(raw)).toBe(true);
    expect(verdictFor('maxContentLength', 'lots')).toMatch(/whole number/);
  });
});
