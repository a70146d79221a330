import type { Segment, Wild } from '../routing/path-pattern.js';

/** A path parameter as the route's pattern describes it. */
export interface PathParam {
  name: string;
  schema: Record<string, unknown>;
  description?: string;
}

export interface PathTemplate {
  /** The OpenAPI path, e.g. '/users/{id}/files/{rest}'. */
  path: string;
  params: PathParam[];
}

/**
 * Turns parsed route segments (the router's own parser output, never the pattern text) into
 * an OpenAPI path template and a schema per param: `{id:num}` is an integer, `{id:hex}` and
 * `{id|regex}` a string with a `pattern`, `{**rest}` a param whose value may hold '/'.
 */
export function pathTemplate(segments: readonly Segment[]): PathTemplate {
  const params: PathParam[] = [];
  const parts = segments.map((segment) => segmentText(segment, params));
  return { path: `/${parts.join('/')}`, params };
}

function segmentText(segment: Segment, params: PathParam[]): string {
  switch (segment.kind) {
    case 'static':
      return segment.text;
    case 'comb':
      return segment.parts.map((part) => (typeof part === 'string' ? part : segmentText(part, params))).join('');
    default:
      params.push(paramOf(segment));
      return `{${segment.name}}`;
  }
}

function paramOf(segment: Exclude<Segment, { kind: 'static' } | { kind: 'comb' }>): PathParam {
  switch (segment.kind) {
    case 'param':
      return { name: segment.name, schema: { type: 'string' } };
    case 'chars': {
      const unbounded = segment.min === 1 && segment.max === Number.POSITIVE_INFINITY;
      // A plain {id:num} is any run of digits: an integer. With a width (or hex) the
      // digits themselves matter (leading zeros count), so it stays a string with a pattern.
      if (!segment.hex && unbounded) return { name: segment.name, schema: { type: 'integer', minimum: 0 } };
      const digits = segment.hex ? '[0-9a-fA-F]' : '[0-9]';
      const max = segment.max === Number.POSITIVE_INFINITY ? '' : String(segment.max);
      return { name: segment.name, schema: { type: 'string', pattern: `^${digits}{${segment.min},${max}}$` } };
    }
    case 'regex':
      return { name: segment.name, schema: { type: 'string', pattern: segment.regex.source } };
    case 'wild':
      return wildParam(segment);
  }
}

const WILD_TEXT: Record<Wild['mode'], string> = {
  '**': 'The rest of the path: zero or more segments, which may contain "/".',
  '*+': 'The rest of the path: one or more segments, which may contain "/".',
  '*?': 'The rest of the path: zero or one segment.',
};

function wildParam(wild: Wild): PathParam {
  const schema: Record<string, unknown> = { type: 'string' };
  if (wild.regex) schema.pattern = wild.regex.source;
  return { name: wild.name, schema, description: WILD_TEXT[wild.mode] };
}
