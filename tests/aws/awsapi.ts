// awsapi.ts - a minimal AWS JSON-protocol caller for the AWS-mode tests.
// The emulators (moto, LocalStack) do not check signatures, so requests
// carry a well-formed but unsigned Authorization header; the server itself
// signs for real (adapters/aws). Each service goes where the server sends
// it: AWS_ENDPOINT_URL_<SERVICE>, else AWS_ENDPOINT_URL (with LocalStack,
// Cognito is the moto beside it: docker-compose.aws.yml).
export const endpoint = (process.env.AWS_ENDPOINT_URL ?? "http://127.0.0.1:4566").replace(/\/$/, "");
const region = process.env.AWS_REGION ?? "us-east-1";

const serviceEndpointVar: Record<string, string> = {
  dynamodb: "AWS_ENDPOINT_URL_DYNAMODB",
  sqs: "AWS_ENDPOINT_URL_SQS",
  ssm: "AWS_ENDPOINT_URL_SSM",
  events: "AWS_ENDPOINT_URL_EVENTBRIDGE",
  "cognito-idp": "AWS_ENDPOINT_URL_COGNITO_IDENTITY_PROVIDER",
};

/** Where calls to `service` go, as for the server (adapters/aws/aws_http.c). */
export function endpointOf(service: string): string {
  return (process.env[serviceEndpointVar[service]] || endpoint).replace(/\/$/, "");
}

const services: Record<string, { target: string; version: string }> = {
  dynamodb: { target: "DynamoDB_20120810", version: "1.0" },
  sqs: { target: "AmazonSQS", version: "1.0" },
  ssm: { target: "AmazonSSM", version: "1.1" },
  events: { target: "AWSEvents", version: "1.1" },
  "cognito-idp": { target: "AWSCognitoIdentityProviderService", version: "1.1" },
};

export async function aws(service: string, op: string, body: unknown = {}, url = endpointOf(service)): Promise<any> {
  const s = services[service];
  const date = new Date().toISOString().replace(/[-:]/g, "").replace(/\.\d+/, "");
  const r = await fetch(url + "/", {
    method: "POST",
    headers: {
      "Content-Type": `application/x-amz-json-${s.version}`,
      "X-Amz-Target": `${s.target}.${op}`,
      "X-Amz-Date": date,
      Authorization: `AWS4-HMAC-SHA256 Credential=test/${date.slice(0, 8)}/${region}/${service}/aws4_request, SignedHeaders=host;x-amz-date, Signature=0`,
    },
    body: JSON.stringify(body),
  });
  const text = await r.text();
  const json = text ? JSON.parse(text) : {};
  if (!r.ok) throw new Error(`${service} ${op}: ${r.status} ${text.slice(0, 300)}`);
  return json;
}

export async function ssmValue(name: string): Promise<string> {
  return (await aws("ssm", "GetParameter", { Name: name })).Parameter.Value;
}

/** Polls `fn` until it returns a truthy value or the deadline passes. */
export async function until<T>(what: string, fn: () => Promise<T | undefined | false>, ms = 15000): Promise<T> {
  const deadline = Date.now() + ms;
  let last: unknown;
  while (Date.now() < deadline) {
    try {
      const v = await fn();
      if (v) return v as T;
    } catch (e) {
      last = e;
    }
    await Bun.sleep(100); // polling a condition with a deadline, not a fixed wait
  }
  throw new Error(`timed out waiting for ${what}${last ? `: ${last}` : ""}`);
}
