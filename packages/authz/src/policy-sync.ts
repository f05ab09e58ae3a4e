import type { Queryable } from '@onegate/store';
import type { PolicyEntity } from './policy-feed.ts';
import type { PolicyEngine } from './policy-engine.ts';
import * as tables from './policy-tables.ts';

/**
 * Brings one entity of the engine to what the database holds now: put if it
 * exists, removed if not. Used for changes another instance made; a whole
 * replacement (`policy`) is a reload, not this.
 */
export async function refreshEntity(
  db: Queryable,
  engine: PolicyEngine,
  entity: PolicyEntity,
): Promise<void> {
  switch (entity.kind) {
    case 'department': {
      const found = await tables.readDepartment(db, entity.id);
      if (found) await engine.putDepartment(found);
      else if (engine.department(entity.id)) await engine.removeDepartment(entity.id);
      return;
    }
    case 'role': {
      const found = await tables.readRole(db, entity.department, entity.name);
      if (found) await engine.putRole(found);
      else if (engine.role(entity.department, entity.name))
        await engine.removeRole(entity.department, entity.name);
      return;
    }
    case 'assignment': {
      if (await tables.hasAssignment(db, entity.assignment)) await engine.assign(entity.assignment);
      else await engine.unassign(entity.assignment);
      return;
    }
    case 'rule': {
      const found = await tables.readRule(db, entity.id);
      if (found) await engine.putRule(found);
      else if (engine.rule(entity.id)) await engine.removeRule(entity.id);
      return;
    }
    case 'delegation': {
      const found = await tables.readDelegation(db, entity.id);
      if (found) await engine.putDelegation(found);
      else if (engine.delegation(entity.id)) await engine.removeDelegation(entity.id);
      return;
    }
    case 'policy':
      throw new Error('a whole-policy change is a reload');
  }
}
