// stores.ts - reads the emulators directly (not through the proxy, not
// through the API): the invariants compare what the API says with what is
// stored. DynamoDB Local checks that a request is signed but not the
// signature; the Firestore emulator takes "Bearer owner".
type Doc = Record<string, any>;

function fromAv(v: any): any {
  if ("S" in v) return v.S;
  if ("N" in v) return Number(v.N);
  if ("BOOL" in v) return v.BOOL;
  if ("NULL" in v) return null;
  if ("M" in v) return Object.fromEntries(Object.entries(v.M).map(([k, x]) => [k, fromAv(x)]));
  if ("L" in v) return v.L.map(fromAv);
  return v;
}

/** Every item of a DynamoDB Local table, as plain values. */
export async function ddbScan(endpoint: string, table: string): Promise<Doc[]> {
  const out: Doc[] = [];
  let start: unknown;
  do {
    const r = await fetch(endpoint, {
      method: "POST",
      headers: {
        "Content-Type": "application/x-amz-json-1.0",
        "X-Amz-Target": "DynamoDB_20120810.Scan",
        Authorization: "AWS4-HMAC-SHA256 Credential=test/20200101/us-east-1/dynamodb/aws4_request, SignedHeaders=host, Signature=00",
      },
      body: JSON.stringify({ TableName: table, ConsistentRead: true, ...(start ? { ExclusiveStartKey: start } : {}) }),
    });
    const j: any = await r.json();
    if (!r.ok) throw new Error(`Scan ${table}: ${r.status} ${JSON.stringify(j)}`);
    for (const it of j.Items) out.push(fromAv({ M: it }));
    start = j.LastEvaluatedKey;
  } while (start);
  return out;
}

function fromFs(v: any): any {
  if ("stringValue" in v) return v.stringValue;
  if ("integerValue" in v) return Number(v.integerValue);
  if ("doubleValue" in v) return Number(v.doubleValue);
  if ("booleanValue" in v) return v.booleanValue;
  if ("nullValue" in v) return null;
  if ("timestampValue" in v) return v.timestampValue;
  if ("mapValue" in v) return fsFields(v.mapValue.fields ?? {});
  if ("arrayValue" in v) return (v.arrayValue.values ?? []).map(fromFs);
  return v;
}
const fsFields = (f: Record<string, any>) => Object.fromEntries(Object.entries(f).map(([k, x]) => [k, fromFs(x)]));

/** Every document of a collection group in a Firestore emulator database,
 * as plain values plus `_path` (the path below .../documents/). */
export async function fsGroup(host: string, project: string, database: string, collectionId: string): Promise<Doc[]> {
  const root = `projects/${project}/databases/${database}/documents`;
  const r = await fetch(`http://${host}/v1/${root}:runQuery`, {
    method: "POST",
    headers: { "Content-Type": "application/json", Authorization: "Bearer owner" },
    body: JSON.stringify({ structuredQuery: { from: [{ collectionId, allDescendants: true }] } }),
  });
  const rows: any[] = await r.json();
  if (!r.ok) throw new Error(`runQuery ${collectionId}: ${r.status} ${JSON.stringify(rows)}`);
  return rows
    .filter((x) => x.document)
    .map((x) => withIds(x.document.name.slice(x.document.name.indexOf("/documents/") + 11), fsFields(x.document.fields ?? {})));
}

/** Ids that Firestore keeps in the document path rather than in a field. */
const PATH_IDS: Record<string, string> = { users: "ecosystemId", cards: "cardId", transactions: "transactionId", cardRequests: "requestId", outbox: "eventId" };
function withIds(path: string, doc: Doc): Doc {
  const parts = path.split("/");
  for (let i = 0; i + 1 < parts.length; i += 2) {
    const field = PATH_IDS[parts[i]!];
    if (field && doc[field] === undefined) doc[field] = parts[i + 1];
  }
  return { ...doc, _path: path };
}
