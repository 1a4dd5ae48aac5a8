// The interactive prompts, built from the single validation module. Each question asks for one
// answer; `validate` and `filter` call the same pure functions `--answers FILE` goes through.
// Inquirer validates what was typed *before* `filter` runs, so `validate` normalises first
// (a typed `512k` is valid), and `filter` then stores the normalised value.
import {
  type Answers,
  CI_PROVIDERS,
  derivePackageName,
  HSTS_FIRST_DEPLOY,
  HSTS_TWO_YEARS,
  normalizeAnswer,
  PYTHON_VERSIONS,
  verdictFor,
} from '../lib/answers.js';

export interface Question {
  type: 'input' | 'select' | 'confirm' | 'number';
  name: keyof Answers;
  message: string;
  default?: unknown;
  choices?: { name: string; value: unknown }[];
  when?: (soFar: Partial<Answers>) => boolean;
  filter?: (input: unknown) => unknown;
  validate?: (input: unknown) => true | string;
}

const check = (key: keyof Answers) => (input: unknown) => verdictFor(key, input);
const normalize = (key: keyof Answers) => (input: unknown) => normalizeAnswer(key, input);

/** Questions for the answers not already given; defaults come from `defaults`. */
export function buildQuestions(defaults: Answers, given: Partial<Answers>): Question[] {
  const all: Question[] = [
    { type: 'input', name: 'projectName', message: 'Project name (folder and distribution name)', validate: check('projectName') },
    {
      type: 'input',
      name: 'packageName',
      message: 'Python package name',
      // The derived name follows whatever project name was just typed.
      default: (soFar: Partial<Answers>) => derivePackageName(soFar.projectName ?? defaults.projectName),
      validate: check('packageName'),
    },
    { type: 'input', name: 'description', message: 'One-line description', validate: check('description') },
    { type: 'input', name: 'author', message: 'Author (name, optionally <email>)', validate: check('author') },
    {
      type: 'input',
      name: 'domain',
      message: 'Public domain (TRUSTED_HOSTS, nginx server_name, certificate)',
      filter: normalize('domain'),
      validate: check('domain'),
    },
    {
      type: 'select',
      name: 'hstsMaxAge',
      message: 'HSTS max-age',
      choices: [
        { name: 'Two years (63072000 s): for a domain already served over HTTPS', value: HSTS_TWO_YEARS },
        { name: 'Five minutes (300 s): first deploy, raise it once HTTPS is verified', value: HSTS_FIRST_DEPLOY },
      ],
    },
    {
      type: 'input',
      name: 'maxContentLength',
      message: 'Request body limit (bytes, or e.g. 512k, 1m)',
      filter: normalize('maxContentLength'),
      validate: check('maxContentLength'),
    },
    { type: 'confirm', name: 'includeApi', message: 'Include the JSON API example called with fetch()?' },
    { type: 'select', name: 'pythonVersion', message: 'Minimum Python', choices: PYTHON_VERSIONS.map((v) => ({ name: v, value: v })) },
    {
      type: 'select',
      name: 'gunicornBind',
      message: 'gunicorn listens on',
      choices: [
        { name: 'a unix socket (recommended)', value: 'unix' },
        { name: '127.0.0.1:<port>', value: 'tcp' },
      ],
    },
    {
      type: 'number',
      name: 'port',
      message: 'gunicorn port on 127.0.0.1',
      when: (soFar) => (soFar.gunicornBind ?? given.gunicornBind) === 'tcp',
      validate: check('port'),
    },
    { type: 'confirm', name: 'systemd', message: 'Include a hardened systemd unit?' },
    {
      type: 'select',
      name: 'ci',
      message: 'CI workflows',
      choices: CI_PROVIDERS.map((v) => ({ name: v, value: v })),
    },
  ];
  return all
    .filter((question) => !(question.name in given))
    .map((question) => ({ default: defaults[question.name], ...question }));
}
