// A module resolution hook: the workspace packages export their TypeScript sources under the "@dynalock/source"
// condition, which `node --conditions=@dynalock/source` would add for a process started with it.
export const resolve = (specifier, context, nextResolve) =>
  nextResolve(specifier, { ...context, conditions: [...context.conditions, "@dynalock/source"] })
