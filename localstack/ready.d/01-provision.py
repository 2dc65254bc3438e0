#!/usr/bin/env python3
"""LocalStack READY-stage init hook: applies ../manifest.json (mounted at
/etc/localstack/init/manifest.json) inside the container, idempotently, then
checks that every resource of the manifest exists.

It mirrors lua/provision.lua (what `financial-api provision` runs against
emulators without init hooks, such as moto): create what is missing, never
overwrite a parameter someone changed.

Cognito (cognito-idp) is a LocalStack Pro service. With the Community image,
docker-compose.aws.yml runs moto beside LocalStack for it and points
AWS_ENDPOINT_URL_COGNITO_IDENTITY_PROVIDER there: the pool, client and test
users are created in that moto, their ids stored in SSM in LocalStack. Unset
or empty, Cognito is LocalStack's own (Pro).

LocalStack reports an init script that ended in error as completed all the
same, so the outcome is a file: STATE/ready (FIN_HOOK_STATE, default
/tmp/financial-api) is written only when every resource exists, STATE/error
holds the reason otherwise (and the script exits 1). Both are removed first.
The compose health check and `scripts/aws-emulator.sh start` read them.

    01-provision.py            provision, check, write the marker
    01-provision.py --check    check only: create nothing
"""
import json
import os
import sys

import boto3
from botocore.config import Config
from botocore.exceptions import BotoCoreError, ClientError

ENDPOINT = os.environ.get("AWS_ENDPOINT_URL") or "http://localhost:4566"
COGNITO_ENDPOINT = os.environ.get("AWS_ENDPOINT_URL_COGNITO_IDENTITY_PROVIDER") or ENDPOINT
MANIFEST = os.environ.get("FIN_MANIFEST", "/etc/localstack/init/manifest.json")
STATE = os.environ.get("FIN_HOOK_STATE", "/tmp/financial-api")
READY, ERROR = os.path.join(STATE, "ready"), os.path.join(STATE, "error")
CHECK_ONLY = "--check" in sys.argv[1:]


def code(e):
    return e.response.get("Error", {}).get("Code", "")


def client(service, m, endpoint=ENDPOINT):
    # a service that does not answer fails within seconds, not minutes
    cfg = Config(connect_timeout=5, read_timeout=30, retries={"max_attempts": 3, "mode": "standard"})
    return boto3.client(service, endpoint_url=endpoint, region_name=m["region"], config=cfg,
                        aws_access_key_id="test", aws_secret_access_key="test")


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


def find_pool(idp, name):
    kw = {"MaxResults": 60}
    while True:
        r = idp.list_user_pools(**kw)
        for p in r["UserPools"]:
            if p["Name"] == name:
                return p["Id"]
        if not r.get("NextToken"):
            return None
        kw["NextToken"] = r["NextToken"]


def find_client(idp, pool, name):
    for x in idp.list_user_pool_clients(UserPoolId=pool, MaxResults=60)["UserPoolClients"]:
        if x["ClientName"] == name:
            return x["ClientId"]
    return None


# ---- provisioning: create what is missing ----
def provision_tables(m):
    ddb = client("dynamodb", m)
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


def queue_policy(ev, q_arn, rule_arn):
    return {"Version": "2012-10-17", "Statement": [{
        "Sid": ev["rule"], "Effect": "Allow", "Principal": {"Service": "events.amazonaws.com"},
        "Action": "sqs:SendMessage", "Resource": q_arn,
        "Condition": {"ArnEquals": {"aws:SourceArn": rule_arn}}}]}


def provision_events(m):
    sqs = client("sqs", m)
    ev = m["events"]
    dlq_url = sqs.create_queue(QueueName=ev["dead_letter_queue"])["QueueUrl"]
    dlq_arn = sqs.get_queue_attributes(QueueUrl=dlq_url, AttributeNames=["QueueArn"])["Attributes"]["QueueArn"]
    redrive = json.dumps({"deadLetterTargetArn": dlq_arn, "maxReceiveCount": str(ev["max_receive_count"])})
    q_url = sqs.create_queue(QueueName=ev["queue"])["QueueUrl"]
    sqs.set_queue_attributes(QueueUrl=q_url, Attributes={"RedrivePolicy": redrive})
    q_arn = sqs.get_queue_attributes(QueueUrl=q_url, AttributeNames=["QueueArn"])["Attributes"]["QueueArn"]

    events = client("events", m)
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
    # AWS delivers to the queue only when its policy lets EventBridge send
    # (LocalStack does not check): the same statement as lua/provision.lua
    rule_arn = events.describe_rule(Name=ev["rule"], EventBusName=ev["bus"])["Arn"]
    sqs.set_queue_attributes(QueueUrl=q_url, Attributes={"Policy": json.dumps(queue_policy(ev, q_arn, rule_arn))})


def provision_ssm(m):
    ssm = client("ssm", m)
    for name, value in m["ssm"]["parameters"].items():
        try:
            ssm.get_parameter(Name=name)
        except ClientError as e:
            if code(e) != "ParameterNotFound":
                raise
            ssm.put_parameter(Name=name, Value=value, Type="String")


def provision_cognito(m):
    c = m["cognito"]
    idp = client("cognito-idp", m, COGNITO_ENDPOINT)
    pool = find_pool(idp, c["pool"])
    if pool:
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
    app_client = find_client(idp, pool, c["client"])
    if app_client:
        # the custom attributes carry role and identity: users must not write them
        idp.update_user_pool_client(UserPoolId=pool, ClientId=app_client, **settings)
    else:
        app_client = idp.create_user_pool_client(UserPoolId=pool, GenerateSecret=False,
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
    # the ids live in SSM in LocalStack, wherever Cognito runs
    ssm = client("ssm", m)
    ssm.put_parameter(Name=c["ssm_pool_id"], Value=pool, Type="String", Overwrite=True)
    ssm.put_parameter(Name=c["ssm_client_id"], Value=app_client, Type="String", Overwrite=True)
    print("cognito pool", pool, "client", app_client, "at", COGNITO_ENDPOINT)


# ---- the check: every resource of the manifest exists ----
def check_tables(m, missing):
    ddb = client("dynamodb", m)
    for t in m["dynamodb"]["tables"]:
        try:
            d = ddb.describe_table(TableName=t["name"])["Table"]
        except ClientError as e:
            if code(e) != "ResourceNotFoundException":
                raise
            missing.append("table %s" % t["name"])
            continue
        have = {ix["IndexName"] for ix in d.get("GlobalSecondaryIndexes", [])}
        missing += ["index %s of table %s" % (ix["name"], t["name"])
                    for ix in t.get("indexes", []) if ix["name"] not in have]
        if t.get("ttl"):
            d = ddb.describe_time_to_live(TableName=t["name"])["TimeToLiveDescription"]
            if d.get("TimeToLiveStatus") not in ("ENABLED", "ENABLING") or d.get("AttributeName") != t["ttl"]:
                missing.append("TTL on %s.%s" % (t["name"], t["ttl"]))


def queue_attributes(sqs, name, missing):
    try:
        url = sqs.get_queue_url(QueueName=name)["QueueUrl"]
    except ClientError as e:
        if code(e) not in ("AWS.SimpleQueueService.NonExistentQueue", "QueueDoesNotExist"):
            raise
        missing.append("queue %s" % name)
        return {}
    return sqs.get_queue_attributes(QueueUrl=url, AttributeNames=["All"])["Attributes"]


def check_events(m, missing):
    ev, sqs, events = m["events"], client("sqs", m), client("events", m)
    dlq = queue_attributes(sqs, ev["dead_letter_queue"], missing)
    q = queue_attributes(sqs, ev["queue"], missing)
    if q and dlq and json.loads(q.get("RedrivePolicy", "{}")).get("deadLetterTargetArn") != dlq["QueueArn"]:
        missing.append("redrive policy of %s to %s" % (ev["queue"], ev["dead_letter_queue"]))
    try:
        events.describe_event_bus(Name=ev["bus"])
        events.describe_rule(Name=ev["rule"], EventBusName=ev["bus"])
    except ClientError as e:
        if code(e) != "ResourceNotFoundException":
            raise
        missing.append("event bus %s or its rule %s" % (ev["bus"], ev["rule"]))
        return
    targets = events.list_targets_by_rule(Rule=ev["rule"], EventBusName=ev["bus"])["Targets"]
    if q and not any(t["Arn"] == q["QueueArn"] for t in targets):
        missing.append("target %s of rule %s" % (ev["queue"], ev["rule"]))
    if q and "events.amazonaws.com" not in q.get("Policy", ""):
        missing.append("policy of %s letting rule %s send to it" % (ev["queue"], ev["rule"]))


def ssm_values(m, names):
    ssm, found = client("ssm", m), {}
    for i in range(0, len(names), 10):
        for p in ssm.get_parameters(Names=names[i:i + 10])["Parameters"]:
            found[p["Name"]] = p["Value"]
    return found


def check_ssm(m, missing):
    names = list(m["ssm"]["parameters"])
    found = ssm_values(m, names)
    missing += ["parameter %s" % n for n in names if n not in found]


def check_cognito(m, missing):
    c = m["cognito"]
    idp = client("cognito-idp", m, COGNITO_ENDPOINT)
    pool = find_pool(idp, c["pool"])
    if not pool:
        missing.append("user pool %s at %s" % (c["pool"], COGNITO_ENDPOINT))
        return
    app_client = find_client(idp, pool, c["client"])
    if not app_client:
        missing.append("app client %s of pool %s" % (c["client"], pool))
    for u in c["users"]:
        try:
            idp.admin_get_user(UserPoolId=pool, Username=u["email"])
        except ClientError as e:
            if code(e) != "UserNotFoundException":
                raise
            missing.append("user %s" % u["email"])
    ids = ssm_values(m, [c["ssm_pool_id"], c["ssm_client_id"]])
    for name, want in ((c["ssm_pool_id"], pool), (c["ssm_client_id"], app_client)):
        if want and ids.get(name) != want:
            missing.append("parameter %s = %s" % (name, want))


def fail(why):
    with open(ERROR, "w") as f:
        f.write(why + "\n")
    print("financial-api resources NOT ready: " + why, file=sys.stderr)
    sys.exit(1)


def main():
    os.makedirs(STATE, exist_ok=True)
    for f in (READY, ERROR):
        if os.path.exists(f):
            os.remove(f)
    try:
        with open(MANIFEST) as f:
            m = json.load(f)
        if not CHECK_ONLY:
            provision_tables(m)
            provision_events(m)
            provision_ssm(m)
            provision_cognito(m)
        missing = []
        for check in (check_tables, check_events, check_ssm, check_cognito):
            check(m, missing)
    except (ClientError, BotoCoreError, OSError, ValueError, KeyError) as e:
        fail("%s: %s" % (type(e).__name__, e))
    if missing:
        fail("missing: " + "; ".join(missing))
    with open(READY, "w") as f:
        f.write("every resource of %s exists (cognito at %s)\n" % (MANIFEST, COGNITO_ENDPOINT))
    print("financial-api resources ready")


main()
