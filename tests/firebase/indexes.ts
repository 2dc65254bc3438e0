// indexes.ts - which index a Firestore structured query needs, and whether
// firestore.indexes.json provides it. The emulator runs any query; real
// Firestore refuses one whose index is missing (FAILED_PRECONDITION), so the
// file is checked against the queries the adapter really sends.
//
// The rules (Firestore's documentation on index types):
// - a query without filters or orders other than on __name__ needs nothing;
// - equality filters only (any number of fields), no orderBy: each field's
//   single-field index (the merge of single-field indexes);
// - one ordered field (an orderBy, or the field of a range filter) and no
//   equality filter: that field's single-field index;
// - anything else (equalities plus an order, or several ordered fields):
//   a composite index holding the equality fields, then the ordered fields
//   in order and direction (a trailing __name__ order may be left out).
// Single-field indexes exist by default for one collection only: a
// collection-group query (allDescendants) needs a fieldOverride enabling the
// field at COLLECTION_GROUP scope (with the order used), and its composite
// indexes need queryScope COLLECTION_GROUP.

export interface Need {
  kind: "none" | "single" | "composite";
  collection: string;
  scope: "COLLECTION" | "COLLECTION_GROUP";
  /** single: the fields with their order; composite: the equality fields */
  equalities: string[];
  /** ordered fields in order, __name__ excluded */
  orders: { field: string; direction: "ASCENDING" | "DESCENDING" }[];
}

const RANGE = new Set(["LESS_THAN", "LESS_THAN_OR_EQUAL", "GREATER_THAN", "GREATER_THAN_OR_EQUAL", "NOT_EQUAL", "NOT_IN"]);

function filtersOf(where: any): { field: string; op: string }[] {
  if (where == null) return [];
  if (where.fieldFilter) return [{ field: where.fieldFilter.field.fieldPath, op: where.fieldFilter.op }];
  if (where.unaryFilter) return [{ field: where.unaryFilter.field.fieldPath, op: "EQUAL" }];
  if (where.compositeFilter) {
    if (where.compositeFilter.op !== "AND") throw new Error(`unsupported composite op ${where.compositeFilter.op}`);
    return where.compositeFilter.filters.flatMap(filtersOf);
  }
  throw new Error(`unsupported filter ${JSON.stringify(where)}`);
}

/** The index a structuredQuery needs. */
export function needOf(q: any): Need {
  const from = q.from?.[0];
  const scope = from?.allDescendants ? "COLLECTION_GROUP" : "COLLECTION";
  const filters = filtersOf(q.where);
  const equalities = [...new Set(filters.filter((f) => !RANGE.has(f.op)).map((f) => f.field))];
  const orders: Need["orders"] = (q.orderBy ?? [])
    .map((o: any) => ({ field: o.field.fieldPath, direction: o.direction ?? "ASCENDING" }))
    .filter((o: { field: string }) => o.field !== "__name__");
  // a range filter's field is ordered first when the query does not order it
  for (const f of filters.filter((f) => RANGE.has(f.op)))
    if (!orders.some((o) => o.field === f.field)) orders.unshift({ field: f.field, direction: "ASCENDING" });
  const need = { collection: from?.collectionId, scope, equalities, orders } as Need;
  if (equalities.length === 0 && orders.length === 0) return { ...need, kind: "none" };
  if (orders.length === 0 || (equalities.length === 0 && orders.length === 1)) return { ...need, kind: "single" };
  return { ...need, kind: "composite" };
}

/** Why `need` is not met by the index file `file` (null when it is). */
export function missing(need: Need, file: any): string | null {
  const where = `${need.scope === "COLLECTION_GROUP" ? "collection group" : "collection"} ${need.collection}`;
  if (need.kind === "none") return null;
  if (need.kind === "single") {
    if (need.scope === "COLLECTION") return null; // automatic, and the file exempts nothing
    const wanted = [
      ...need.equalities.map((field) => ({ field, order: "ASCENDING" })),
      ...need.orders.map((o) => ({ field: o.field, order: o.direction })),
    ];
    for (const w of wanted) {
      const ok = (file.fieldOverrides ?? []).some(
        (o: any) => o.collectionGroup === need.collection && o.fieldPath === w.field &&
          (o.indexes ?? []).some((i: any) => i.queryScope === "COLLECTION_GROUP" && i.order === w.order),
      );
      if (!ok) return `${where}: no COLLECTION_GROUP ${w.order} single-field index on ${w.field} (fieldOverrides)`;
    }
    return null;
  }
  const ok = (file.indexes ?? []).some((ix: any) => {
    if (ix.collectionGroup !== need.collection || (ix.queryScope ?? "COLLECTION") !== need.scope) return false;
    const fields = (ix.fields as any[]).filter((f, i, all) => !(f.fieldPath === "__name__" && i === all.length - 1));
    const eq = fields.slice(0, need.equalities.length);
    const ord = fields.slice(need.equalities.length);
    return eq.length === need.equalities.length && need.equalities.every((f) => eq.some((x) => x.fieldPath === f)) &&
      ord.length === need.orders.length &&
      need.orders.every((o, i) => ord[i].fieldPath === o.field && ord[i].order === o.direction);
  });
  if (ok) return null;
  const shape = [...need.equalities.map((f) => `${f} ==`), ...need.orders.map((o) => `${o.field} ${o.direction}`)];
  return `${where}: no composite index (${shape.join(", ")})`;
}
