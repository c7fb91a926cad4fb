// Types of the interface table (scripts/core_interface.mjs).
export interface FieldGroup {
  fn: string;
  doc: string;
  fields: Array<[name: string, description: string]>;
}
export interface ConstantGroup {
  doc: string;
  values: Array<[assemblyScriptName: string, typeScriptName: string, value: number, description: string]>;
}
export const FIELDS: Record<string, FieldGroup>;
export const CONSTANTS: Record<string, ConstantGroup>;
export const ERRORS: Array<{ group: string } | [number: number, coreName: string, code: string, note: string]>;
export const ENCODE_CHECKS: Array<[number: number, name: string, message: string]>;
