// The portal's association definitions (HubSpot-defined types, schema associations, labels) and the association
// edges between records, both directions stored so a read from either side is one lookup.
import type { AssociationDefinition, Json } from './model';

type Edges = Map<string, Map<string, Set<number>>>;

export function specOf(def: AssociationDefinition): Json {
  return { category: def.category, typeId: def.typeId, label: def.label };
}

export class AssociationGraph {
  /** Custom association type ids differ between portals just as objectTypeIds do. */
  private readonly firstTypeId: number;
  private nextTypeId: number;
  private definitions = new Map<number, AssociationDefinition>();
  /** `${fromTypeId}|${toTypeId}` → from id → to id → association type ids (both directions stored). */
  private edges = new Map<string, Edges>();

  constructor(objectTypeIdBase: number) {
    this.firstTypeId = 100 + ((Math.imul(objectTypeIdBase, 2_654_435_761) >>> 0) % 400);
    this.nextTypeId = this.firstTypeId;
  }

  reset(): void {
    this.definitions = new Map();
    this.edges = new Map();
    this.nextTypeId = this.firstTypeId;
  }

  /** A fresh type id for this portal's own definitions (schema associations, labels). */
  allocateTypeId(): number {
    return this.nextTypeId++;
  }

  get(typeId: number): AssociationDefinition | undefined {
    return this.definitions.get(typeId);
  }

  addPair(
    fromTypeId: string,
    toTypeId: string,
    forward: number,
    inverse: number,
    category: AssociationDefinition['category'],
    label: string | null,
    isDefault: boolean,
    inverseLabel: string | null = label,
    name = '',
  ): void {
    this.definitions.set(forward, {
      typeId: forward,
      inverseTypeId: inverse,
      category,
      label,
      name,
      fromObjectTypeId: fromTypeId,
      toObjectTypeId: toTypeId,
      isDefault,
    });
    this.definitions.set(inverse, {
      typeId: inverse,
      inverseTypeId: forward,
      category,
      label: inverseLabel,
      name: name ? `${name}_inverse` : '',
      fromObjectTypeId: toTypeId,
      toObjectTypeId: fromTypeId,
      isDefault,
    });
  }

  between(fromTypeId: string, toTypeId: string): AssociationDefinition[] {
    return [...this.definitions.values()]
      .filter((d) => d.fromObjectTypeId === fromTypeId && d.toObjectTypeId === toTypeId)
      .sort((a, b) => a.typeId - b.typeId);
  }

  defaultBetween(fromTypeId: string, toTypeId: string): AssociationDefinition | undefined {
    for (const def of this.definitions.values()) {
      if (def.isDefault && def.fromObjectTypeId === fromTypeId && def.toObjectTypeId === toTypeId) return def;
    }
    return undefined;
  }

  /** To id → association type ids, for one record. */
  targets(fromTypeId: string, toTypeId: string, fromId: string): Map<string, Set<number>> | undefined {
    return this.edges.get(`${fromTypeId}|${toTypeId}`)?.get(fromId);
  }

  link(def: AssociationDefinition, fromId: string, toId: string): void {
    const add = (pair: string, a: string, b: string, typeId: number): void => {
      let byFrom = this.edges.get(pair);
      if (!byFrom) this.edges.set(pair, (byFrom = new Map<string, Map<string, Set<number>>>()));
      let targets = byFrom.get(a);
      if (!targets) byFrom.set(a, (targets = new Map<string, Set<number>>()));
      let types = targets.get(b);
      if (!types) targets.set(b, (types = new Set()));
      types.add(typeId);
    };
    add(`${def.fromObjectTypeId}|${def.toObjectTypeId}`, fromId, toId, def.typeId);
    add(`${def.toObjectTypeId}|${def.fromObjectTypeId}`, toId, fromId, def.inverseTypeId);
  }

  /** Removes some (or, with no `typeIds`, all) associations between two records, both directions. */
  unlink(fromTypeId: string, toTypeId: string, fromId: string, toId: string, typeIds?: number[]): void {
    const forward = this.edges.get(`${fromTypeId}|${toTypeId}`)?.get(fromId);
    const reverse = this.edges.get(`${toTypeId}|${fromTypeId}`)?.get(toId);
    const forwardTypes = forward?.get(toId);
    const reverseTypes = reverse?.get(fromId);
    if (!typeIds) {
      forward?.delete(toId);
      reverse?.delete(fromId);
      return;
    }
    for (const typeId of typeIds) {
      forwardTypes?.delete(typeId);
      const inverse = this.definitions.get(typeId)?.inverseTypeId;
      if (inverse !== undefined) reverseTypes?.delete(inverse);
    }
    if (forwardTypes?.size === 0) forward?.delete(toId);
    if (reverseTypes?.size === 0) reverse?.delete(fromId);
  }

  /** Drops every association of a record that is gone. */
  removeRecord(objectTypeId: string, recordId: string): void {
    for (const [pair, byFrom] of this.edges) {
      const [fromTypeId, toTypeId] = pair.split('|') as [string, string];
      if (fromTypeId !== objectTypeId) continue;
      const targets = byFrom.get(recordId);
      if (!targets) continue;
      byFrom.delete(recordId);
      const reverse = this.edges.get(`${toTypeId}|${fromTypeId}`);
      for (const toId of targets.keys()) reverse?.get(toId)?.delete(recordId);
    }
  }

  snapshot(): Json[] {
    return [...this.edges.entries()].map(([pair, byFrom]) => ({
      pair,
      links: [...byFrom.entries()].flatMap(([fromId, targets]) =>
        [...targets.entries()].map(([toId, typeIds]) => ({ fromId, toId, typeIds: [...typeIds] })),
      ),
    }));
  }
}
