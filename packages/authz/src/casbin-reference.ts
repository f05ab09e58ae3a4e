import { newEnforcer, newModelFromString, type Enforcer } from 'casbin';
import { MODEL_TEXT, type CasbinLines } from './casbin-lines.ts';
import type { IndexRequest } from './decision-index.ts';

/**
 * Casbin's own enforcer over the same lines: the reference the decision index
 * is tested against, and what decides when the operator sets their own model.
 */
export async function casbinEnforcer(lines: CasbinLines, modelText: string = MODEL_TEXT): Promise<Enforcer> {
  const enforcer = await newEnforcer(newModelFromString(modelText));
  if (lines.p.length > 0) await enforcer.addNamedPolicies('p', lines.p);
  if (lines.g.length > 0) await enforcer.addNamedGroupingPolicies('g', lines.g);
  if (lines.g2.length > 0) await enforcer.addNamedGroupingPolicies('g2', lines.g2);
  if (lines.g3.length > 0) await enforcer.addNamedGroupingPolicies('g3', lines.g3);
  return enforcer;
}

export function casbinDecides(enforcer: Enforcer, req: IndexRequest): boolean {
  return enforcer.enforceSync(req.sub, req.dom, req.obj, req.act, req.purpose, req.acr, req.now);
}
