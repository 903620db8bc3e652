import type { StandardSchemaV1 } from '@standard-schema/spec';
import { unknownKeyIssues } from './did-you-mean.js';
import { throwIfIssues, type ValidationIssue } from './errors.js';
import { byArgsFieldIssues } from './insert/args-fields.js';
import { insertOptsIssues, type InsertOpts } from './insert/opts.js';
import { isPlainObject, jsonIssues } from './json-value.js';
import { unstorableTextIssues } from './insert/unstorable-text.js';
import type { JobRow } from './job-row.js';

/**
 * A job type, shared by the code that inserts it and the code that works it. Made by
 * {@link defineJob}.
 */
export interface JobDefinition<
  Kind extends string = string,
  Schema extends StandardSchemaV1 = StandardSchemaV1,
  Output extends StandardSchemaV1 | undefined = StandardSchemaV1 | undefined,
> {
  /** The kind: the job type's stable name, stored in `river_job.kind`. */
  readonly kind: Kind;
  /** The schema its args are validated by on insert and parsed by before work. */
  readonly args: Schema;
  /**
   * The schema a worker's return value is validated by before it is stored as
   * `metadata.output`; undefined: the return value is ignored, as before.
   */
  readonly output?: Output;
  /** Insert options for every job of this kind, below those given at insert. */
  readonly insertOpts?: InsertOpts;
}

/** Any job definition. */
// eslint-disable-next-line @typescript-eslint/no-explicit-any
export type AnyJobDefinition = JobDefinition<string, StandardSchemaV1<any, any>, any>;

/** The output schema of a job definition, or `never` for one without. */
type OutputSchemaOf<J extends AnyJobDefinition> = NonNullable<J['output']>;

/**
 * A job's stored output, `job.output`: its `output` schema's output type, or `unknown` for a job
 * defined without one.
 */
export type JobOutput<J extends AnyJobDefinition> = [OutputSchemaOf<J>] extends [never]
  ? unknown
  : OutputSchemaOf<J> extends StandardSchemaV1 ? StandardSchemaV1.InferOutput<OutputSchemaOf<J>> : unknown;

/** What a worker may return: its `output` schema's input type, or anything for a job without one. */
export type JobOutputInput<J extends AnyJobDefinition> = [OutputSchemaOf<J>] extends [never]
  ? unknown
  : OutputSchemaOf<J> extends StandardSchemaV1 ? StandardSchemaV1.InferInput<OutputSchemaOf<J>> : unknown;

/** What `insert` accepts as args for a job: the schema's input type. */
export type JobArgsInput<J extends AnyJobDefinition> = StandardSchemaV1.InferInput<J['args']>;

/** What a worker receives as args for a job: the schema's output type. */
export type JobArgs<J extends AnyJobDefinition> = StandardSchemaV1.InferOutput<J['args']>;

/** At most 127 characters, River's limit, from word characters and `-[]<>/.·:+`. */
const KIND = /^\w[\w\-[\]<>/.·:+]*$/;
export const MAX_KIND_LENGTH = 127;

/** Problems with a kind, or none. */
export function kindIssues(kind: unknown, path = 'kind'): ValidationIssue[] {
  if (typeof kind !== 'string') return [{ path, message: `must be a string, got ${typeof kind}` }];
  if (kind.length === 0 || kind.length > MAX_KIND_LENGTH) {
    return [{ path, message: `must be 1 to ${MAX_KIND_LENGTH} characters, got ${kind.length}` }];
  }
  if (!KIND.test(kind)) {
    return [{ path, message: `${JSON.stringify(kind)} must start with a letter, digit or "_" and hold only those and -[]<>/.·:+` }];
  }
  return [];
}

function isStandardSchema(value: unknown): value is StandardSchemaV1 {
  const std = (value as { '~standard'?: { validate?: unknown } } | null)?.['~standard'];
  return typeof std?.validate === 'function';
}

/**
 * Defines a job type. `args` is a valibot schema, or any Standard Schema (zod, arktype...); the
 * args' type is inferred from it everywhere the definition is used.
 *
 * Args are stored as JSON and parsed again by the schema before a worker runs, so describe
 * JSON: strings, numbers, booleans, null, arrays and plain objects (a date as an ISO string).
 *
 * @example
 * ```ts
 * export const sendEmail = defineJob({
 *   kind: 'send_email',
 *   args: v.object({ to: v.pipe(v.string(), v.email()), subject: v.string() }),
 *   insertOpts: { queue: 'email', maxAttempts: 5 },
 * });
 * ```
 * @throws ValidationError when the kind, the schema or `insertOpts` is invalid.
 */
export function defineJob<const Kind extends string, Schema extends StandardSchemaV1, Output extends StandardSchemaV1 | undefined = undefined>(definition: {
  kind: Kind;
  args: Schema;
  output?: Output;
  insertOpts?: InsertOpts<StandardSchemaV1.InferOutput<Schema>>;
}): JobDefinition<Kind, Schema, Output> {
  const issues = [
    ...(isPlainObject(definition) ? unknownKeyIssues(definition, ['kind', 'args', 'output', 'insertOpts'], '', 'a job definition field') : []),
    ...kindIssues(definition?.kind),
    ...(isStandardSchema(definition?.args)
      ? []
      : [{ path: 'args', message: 'must be a valibot schema or another Standard Schema' }]),
    ...(definition?.output === undefined || isStandardSchema(definition.output)
      ? []
      : [{ path: 'output', message: 'must be a valibot schema or another Standard Schema, or left out' }]),
    ...insertOptsIssues(definition?.insertOpts, 'insertOpts'),
    ...byArgsFieldIssues(definition?.insertOpts, 'insertOpts', definition?.args),
  ];
  throwIfIssues(`defineJob(${JSON.stringify(definition?.kind)})`, issues);
  const frozen: JobDefinition<Kind, Schema, Output> = { kind: definition.kind, args: definition.args, insertOpts: definition.insertOpts };
  return Object.freeze(definition.output === undefined ? frozen : { ...frozen, output: definition.output });
}

function formatPath(path: StandardSchemaV1.Issue['path'], root = 'args'): string {
  let out = root;
  for (const segment of path ?? []) {
    const key = typeof segment === 'object' ? segment.key : segment;
    out += typeof key === 'number' ? `[${key}]` : `.${String(key)}`;
  }
  return out;
}

/** A job row of this definition: args and output typed by its schemas. */
export type JobRowOf<J extends AnyJobDefinition> = JobRow<JobArgs<J>, JobOutput<J>>;

/** Result of validating args: the value to store, or what is wrong with it. */
export type ArgsResult = { value: Record<string, unknown>; issues?: undefined } | { value?: undefined; issues: ValidationIssue[] };

/**
 * Validates args against the job's schema and checks that its output is a JSON object. Returns
 * the schema's output, which is what gets stored.
 */
export async function validateArgs(job: AnyJobDefinition, args: unknown): Promise<ArgsResult> {
  const result = await job.args['~standard'].validate(args);
  if (result.issues) {
    return { issues: result.issues.map((i) => ({ path: formatPath(i.path), message: i.message })) };
  }
  const value: unknown = result.value;
  if (!isPlainObject(value)) {
    return { issues: [{ path: 'args', message: 'must be a JSON object (River stores job args as an object)' }] };
  }
  const issues = jsonIssues(value, 'args');
  return issues.length > 0 ? { issues } : { value };
}

/**
 * The most bytes of JSON an output may take in `metadata.output`: the row is read on every fetch
 * of a dependent's output and shown by River UI, so an output is a result, not a payload (keep
 * large data in your own tables and return its key).
 */
export const MAX_OUTPUT_BYTES = 256 * 1024;

/** Result of validating a worker's return value: the output to store as JSON text, or what is wrong with it. */
export type OutputResult = { value: unknown; json: string; issues?: undefined } | { value?: undefined; json?: undefined; issues: ValidationIssue[] };

/**
 * Validates what a worker returned against its job's `output` schema, and checks that the
 * schema's output can be stored: JSON, at most {@link MAX_OUTPUT_BYTES}, no text jsonb refuses.
 */
export async function validateOutput(job: AnyJobDefinition, returned: unknown): Promise<OutputResult> {
  const schema = job.output as StandardSchemaV1 | undefined;
  if (!schema) return { issues: [{ path: 'output', message: `job ${JSON.stringify(job.kind)} has no output schema` }] };
  const result = await schema['~standard'].validate(returned);
  if (result.issues) return { issues: result.issues.map((i) => ({ path: formatPath(i.path, 'output'), message: i.message })) };
  const value: unknown = result.value;
  if (value === undefined) return { issues: [{ path: 'output', message: 'is undefined, which JSON cannot hold: return null or a value' }] };
  const issues = jsonIssues(value, 'output');
  if (issues.length > 0) return { issues };
  const json = JSON.stringify(value);
  const unstorable = unstorableTextIssues(value, json, 'output');
  if (unstorable.length > 0) return { issues: unstorable };
  const bytes = Buffer.byteLength(json);
  if (bytes > MAX_OUTPUT_BYTES) {
    return { issues: [{ path: 'output', message: `is ${bytes.toLocaleString('en-US')} bytes of JSON, over the ${MAX_OUTPUT_BYTES.toLocaleString('en-US')} allowed: store large results in a table of your own and return their key` }] };
  }
  return { value, json };
}
