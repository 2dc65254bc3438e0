// emulator.test.ts - the AWS emulator as the project runs it keeps every
// write. moto 5.2.1 rolls back a cancelled TransactWriteItems by restoring
// copies of the tables taken when it began; with concurrent requests that
// restore erased other writes (scripts/moto_server.py serialises DynamoDB
// to prevent it). Runs against AWS_ENDPOINT_URL like the other AWS tests.
import { expect, test } from "bun:test";
import { uid } from "../contract/support/ids";
import { aws } from "./awsapi";

test("writes made while a transaction is cancelled are kept", async () => {
  const table = uid("emu");
  await aws("dynamodb", "CreateTable", {
    TableName: table,
    AttributeDefinitions: [{ AttributeName: "pk", AttributeType: "S" }],
    KeySchema: [{ AttributeName: "pk", KeyType: "HASH" }],
    BillingMode: "PAY_PER_REQUEST",
  });
  try {
    // a table big enough that copying it takes a while: the window the bug needs
    const filler = "x".repeat(2000);
    for (let i = 0; i < 1500; i += 25)
      await aws("dynamodb", "BatchWriteItem", {
        RequestItems: {
          [table]: Array.from({ length: 25 }, (_, j) => ({
            PutRequest: { Item: { pk: { S: `fill-${i + j}` }, v: { S: filler } } },
          })),
        },
      });
    const cancelled = () =>
      aws("dynamodb", "TransactWriteItems", {
        TransactItems: [
          {
            Put: {
              TableName: table,
              Item: { pk: { S: "fill-0" }, v: { S: "never" } },
              ConditionExpression: "attribute_not_exists(pk)",
            },
          },
        ],
      }).then(
        () => "committed",
        (e: Error) => (e.message.includes("TransactionCanceledException") ? "cancelled" : `error ${e.message}`),
      );
    const put = (i: number) => aws("dynamodb", "PutItem", { TableName: table, Item: { pk: { S: `new-${i}` } } });
    const N = 40;
    const results = await Promise.all(
      Array.from({ length: N * 2 }, (_, i) => (i % 2 ? cancelled() : put(i / 2).then(() => "put"))),
    );
    expect(results.filter((r) => r !== "cancelled" && r !== "put")).toEqual([]);
    expect(results.filter((r) => r === "cancelled").length).toBe(N);
    expect(results.filter((r) => r === "put").length).toBe(N);
    const missing: number[] = [];
    for (let i = 0; i < N; i++) {
      const r = await aws("dynamodb", "GetItem", { TableName: table, Key: { pk: { S: `new-${i}` } }, ConsistentRead: true });
      if (!r.Item) missing.push(i);
    }
    expect(missing).toEqual([]);
  } finally {
    await aws("dynamodb", "DeleteTable", { TableName: table });
  }
}, 120000);
