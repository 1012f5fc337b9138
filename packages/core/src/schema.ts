/**
 * The "Standard Schema" contract (standardschema.dev), which zod, valibot and arktype implement.
 * Plugins describe their options with any such library; core depends on none of them.
 */
export interface StandardSchemaV1<Input = unknown, Output = Input> {
  readonly "~standard": {
    readonly version: 1;
    readonly vendor: string;
    readonly validate: (value: unknown) => StandardResult<Output> | Promise<StandardResult<Output>>;
    readonly types?: { readonly input: Input; readonly output: Output };
  };
}

/** Outcome of a validation. */
export type StandardResult<Output> =
  | { readonly value: Output; readonly issues?: undefined }
  | { readonly issues: ReadonlyArray<StandardIssue> };

/** One problem found by a schema. */
export interface StandardIssue {
  readonly message: string;
  readonly path?: ReadonlyArray<PropertyKey | { readonly key: PropertyKey }>;
}

/** Infers the output type of a standard schema. */
export type SchemaOutput<S> = S extends StandardSchemaV1<unknown, infer O> ? O : never;

/** Dotted path of an issue, e.g. "transport.port" (prefix prepended when given). */
export function issuePath(issue: StandardIssue, prefix = ""): string {
  const parts = (issue.path ?? []).map((p) => String(typeof p === "object" ? p.key : p));
  return [prefix, ...parts].filter((p) => p !== "").join(".");
}
