import { type RouterLike, routerParts } from './router-parts.js';

/**
 * Prints a router tree the way Salvo's `Debug for Router` does, one router per line:
 *
 *     └──api (hoops: auth)
 *         ├──users
 *         │   ├──[GET] -> listUsers
 *         │   └──[POST,bodyLimit:1024] -> createUser
 *         └──!NULL![host:example.com]
 *
 * The path is the router's path filters; `!NULL!` marks a router with no filter at all.
 * Other filters and the body limit go in brackets, then the hoops (by function name,
 * "anonymous" for unnamed ones) and the goal after an arrow.
 */
export function printRouter(router: RouterLike): string {
  const lines: string[] = [];
  print(router, '', true, lines);
  return `${lines.join('\n')}\n`;
}

function print(router: RouterLike, prefix: string, last: boolean, lines: string[]): void {
  const { filters, children, hoops, goal, bodyLimit } = router[routerParts]();
  const paths: string[] = [];
  const others: string[] = [];
  for (const f of filters) (f.kind === 'path' ? paths : others).push(f.toString());
  if (bodyLimit !== undefined) others.push(`bodyLimit:${bodyLimit}`);
  let line = prefix + (last ? '└──' : '├──');
  line += filters.length === 0 ? '!NULL!' : paths.join('/');
  if (others.length > 0) line += `[${others.join(',')}]`;
  if (hoops.length > 0) line += ` (hoops: ${hoops.map(nameOf).join(', ')})`;
  if (goal !== undefined) line += ` -> ${nameOf(goal)}`;
  lines.push(line);
  const childPrefix = prefix + (last ? '    ' : '│   ');
  children.forEach((child, i) => {
    print(child, childPrefix, i === children.length - 1, lines);
  });
}

function nameOf(fn: { name: string }): string {
  return fn.name || 'anonymous';
}
