#!/usr/bin/env python3
"""LocalStack READY-stage init hook: applies ../manifest.json (mounted at
/etc/localstack/init/manifest.json) inside the container, idempotently.

It mirrors lua/provision.lua (what `financial-api provision` runs against
emulators without init hooks, such as moto): create what is missing, never
overwrite a parameter someone changed. LocalStack Community has no
cognito-idp; that part is skipped with a message (the API then runs with its
loopback-only dev-token fallback)."""
import json
import os

import boto3
from botocore.exceptions import ClientError

ENDPOINT = os.environ.get("AWS_ENDPOINT_URL", "http://localhost:4566")
MANIFEST = os.environ.get("FIN_MANIFEST", "/etc/localstack/init/manifest.json")
with open(MANIFEST) as f:
    m = json.load(f)
kw = dict(endpoint_url=ENDPOINT, region_name=m["region"],
          aws_access_key_id="test", aws_secret_access_key="test")


def code(e):
    return e.response.get("Error", {}).get("Code", "")


def table_request(t):
    attrs, defs = [], []

    def schema(h, r):
        keys = [{"AttributeName": h, "KeyType": "HASH"}]
        if r:
            keys.append({"AttributeName": r, "KeyType": "RANGE"})
        for n in (h, r):
            if n and n not in attrs:
                attrs.append(n)
                defs.append({"AttributeName": n, "AttributeType": "S"})
        return keys

    req = {"TableName": t["name"], "BillingMode": "PAY_PER_REQUEST",
           "KeySchema": schema(t["hash"], t.get("range"))}
    if t.get("indexes"):
        req["GlobalSecondaryIndexes"] = [
            {"IndexName": ix["name"], "KeySchema": schema(ix["hash"], ix.get("range")),
             "Projection": {"ProjectionType": "ALL"}} for ix in t["indexes"]]
    req["AttributeDefinitions"] = defs
    return req


ddb = boto3.client("dynamodb", **kw)
for t in m["dynamodb"]["tables"]:
    try:
        ddb.describe_table(TableName=t["name"])
    except ClientError as e:
        if code(e) != "ResourceNotFoundException":
            raise
        ddb.create_table(**table_request(t))
        ddb.get_waiter("table_exists").wait(TableName=t["name"])
        print("created table", t["name"])
    if t.get("ttl"):
        d = ddb.describe_time_to_live(TableName=t["name"])["TimeToLiveDescription"]
        if d.get("TimeToLiveStatus") not in ("ENABLED", "ENABLING"):
            ddb.update_time_to_live(TableName=t["name"], TimeToLiveSpecification={
                "Enabled": True, "AttributeName": t["ttl"]})

sqs = boto3.client("sqs", **kw)
ev = m["events"]
dlq_url = sqs.create_queue(QueueName=ev["dead_letter_queue"])["QueueUrl"]
dlq_arn = sqs.get_queue_attributes(QueueUrl=dlq_url, AttributeNames=["QueueArn"])["Attributes"]["QueueArn"]
redrive = json.dumps({"deadLetterTargetArn": dlq_arn, "maxReceiveCount": str(ev["max_receive_count"])})
q_url = sqs.create_queue(QueueName=ev["queue"])["QueueUrl"]
sqs.set_queue_attributes(QueueUrl=q_url, Attributes={"RedrivePolicy": redrive})
q_arn = sqs.get_queue_attributes(QueueUrl=q_url, AttributeNames=["QueueArn"])["Attributes"]["QueueArn"]

events = boto3.client("events", **kw)
try:
    events.describe_event_bus(Name=ev["bus"])
except ClientError as e:
    if code(e) != "ResourceNotFoundException":
        raise
    events.create_event_bus(Name=ev["bus"])
events.put_rule(Name=ev["rule"], EventBusName=ev["bus"], State="ENABLED",
                EventPattern=json.dumps(ev["pattern"], separators=(",", ":")))
events.put_targets(Rule=ev["rule"], EventBusName=ev["bus"],
                   Targets=[{"Id": ev["target_id"], "Arn": q_arn}])

ssm = boto3.client("ssm", **kw)
for name, value in m["ssm"]["parameters"].items():
    try:
        ssm.get_parameter(Name=name)
    except ClientError as e:
        if code(e) != "ParameterNotFound":
            raise
        ssm.put_parameter(Name=name, Value=value, Type="String")

c = m["cognito"]
try:
    idp = boto3.client("cognito-idp", **kw)
    pools = [p for p in idp.list_user_pools(MaxResults=60)["UserPools"] if p["Name"] == c["pool"]]
    if pools:
        pool = pools[0]["Id"]
        cfg = idp.describe_user_pool(UserPoolId=pool)["UserPool"].get("AdminCreateUserConfig", {})
        if c["allow_admin_create_user_only"] and not cfg.get("AllowAdminCreateUserOnly"):
            # UpdateUserPool resets what it is not given: left to an operator
            print("WARNING: user pool %s allows self sign-up (set AllowAdminCreateUserOnly)" % c["pool"])
    else:
        schema = [{"Name": "email", "AttributeDataType": "String", "Required": True, "Mutable": True}]
        # Mutable so an admin can change them; no app client may write them
        schema += [{"Name": a, "AttributeDataType": "String", "Mutable": True}
                   for a in c["custom_attributes"]]
        pool = idp.create_user_pool(PoolName=c["pool"], Schema=schema, UsernameAttributes=["email"],
                                    AutoVerifiedAttributes=["email"],
                                    AdminCreateUserConfig={
                                        "AllowAdminCreateUserOnly": c["allow_admin_create_user_only"]}
                                    )["UserPool"]["Id"]
    settings = dict(ClientName=c["client"], ExplicitAuthFlows=c["auth_flows"],
                    ReadAttributes=c["read_attributes"], WriteAttributes=c["write_attributes"])
    clients = [x for x in idp.list_user_pool_clients(UserPoolId=pool, MaxResults=60)["UserPoolClients"]
               if x["ClientName"] == c["client"]]
    if clients:
        # the custom attributes carry role and identity: users must not write them
        client = clients[0]["ClientId"]
        idp.update_user_pool_client(UserPoolId=pool, ClientId=client, **settings)
    else:
        client = idp.create_user_pool_client(UserPoolId=pool, GenerateSecret=False,
                                             **settings)["UserPoolClient"]["ClientId"]
    for u in c["users"]:
        try:
            idp.admin_get_user(UserPoolId=pool, Username=u["email"])
        except ClientError as e:
            if code(e) != "UserNotFoundException":
                raise
            idp.admin_create_user(UserPoolId=pool, Username=u["email"], MessageAction="SUPPRESS",
                                  UserAttributes=[
                                      {"Name": "email", "Value": u["email"]},
                                      {"Name": "email_verified", "Value": "true"},
                                      {"Name": "custom:role", "Value": u["role"]},
                                      {"Name": "custom:ecosystemId", "Value": u["ecosystemId"]}])
            idp.admin_set_user_password(UserPoolId=pool, Username=u["email"],
                                        Password=u["password"], Permanent=True)
    ssm.put_parameter(Name=c["ssm_pool_id"], Value=pool, Type="String", Overwrite=True)
    ssm.put_parameter(Name=c["ssm_client_id"], Value=client, Type="String", Overwrite=True)
    print("cognito pool", pool, "client", client)
except Exception as e:  # Community image: no cognito-idp
    print("cognito not available (%s); the API uses its loopback dev-token fallback" % e)
print("financial-api resources ready")
