import { describe, expect, it } from 'vitest';
import {
  AnswerError,
  checkPartialAnswers,
  completeAnswers,
  defaultAnswers,
  derivePackageName,
  deriveProjectName,
  HSTS_TWO_YEARS,
  ONE_MIB,
  parseSize,
  validateAuthor,
  validateDescription,
  validateDomain,
  validatePackageName,
  validatePort,
  validateProjectName,
} from '../../generators/lib/answers.js';

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
    ['match', /keyword/],
    ['flask', /shadow a dependency/],
    ['test', /shadow a dependency/],
    ['tests', /shadow a dependency/],
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
    expect(validateDescription('x'.repeat(200))).toBe(true);
    expect(validateDescription('x'.repeat(300))).toMatch(/at most 200/);
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
    expect(parseSize('1048576')).toBe(ONE_MIB);
    expect(parseSize('1m')).toBe(ONE_MIB);
    expect(parseSize('1 MiB')).toBe(ONE_MIB);
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
    expect(defaultAnswers('x').hstsMaxAge).toBe(HSTS_TWO_YEARS);
    expect(defaultAnswers('x').maxContentLength).toBe(ONE_MIB);
  });
  it('normalises sizes given as text', () => {
    expect(checkPartialAnswers({ maxContentLength: '2m' })).toEqual({ maxContentLength: 2 * ONE_MIB });
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
