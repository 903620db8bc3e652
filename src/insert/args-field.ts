/**
 * The top-level field names of a job's args, for `uniqueOpts.byArgs`: every member's, when the
 * args are a union. Any string when the args type is not known (client-wide options).
 */
export type ArgsField<Args> = Args extends unknown ? Extract<keyof Args, string> : never;
