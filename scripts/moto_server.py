"""moto's server, as the project runs it (scripts/aws-emulator.sh, the tests).

    python moto_server.py [-H 127.0.0.1] [-p PORT] [--port-file FILE]
                          [--services cognito-idp,...]

Differs from `python -m moto.server` in these ways:

1. DynamoDB requests are served one at a time. moto 5.2.1 undoes a cancelled
   TransactWriteItems by putting back deep copies of the tables the
   transaction touched, taken when it began; its server is threaded, so any
   write another request made to those tables meanwhile is lost. Real
   DynamoDB (and DynamoDB Local) never lose such a write. A lock around the
   DynamoDB part of the application makes moto's rollback exact; the other
   services (SQS long polls in particular) still run concurrently.

2. Cognito enforces the two settings the API's security rests on, which
   moto 5.2.1 stores but ignores: an app client's WriteAttributes (a user's
   UpdateUserAttributes on an attribute outside them is refused, as AWS
   refuses it) and a pool's AllowAdminCreateUserOnly (SignUp is refused).
   Without them, a test that a user cannot make themselves admin would pass
   or fail for the emulator's reasons, not the provisioning's.

3. Port 0 means "any free port below the ephemeral range", chosen by binding
   it here (so two emulators can never be handed the same port, and a port
   an outgoing connection holds is never tried); --port-file receives the
   port once the socket listens, for the caller to read.

4. --services limits what it serves (signing names, comma-separated; a
   pool's JWKS counts as cognito-idp): a request for another service is
   refused with 400 ServiceNotServed, so a client that sends a call to the
   wrong emulator fails instead of quietly finding what it wanted there.
"""

import argparse
import json
import os
import random
import signal
import sys
import threading

from moto.moto_server.werkzeug_app import DomainDispatcherApplication, create_backend_app
from werkzeug.serving import make_server

LOW, HIGH = 20000, 32767  # below Linux's ephemeral range (32768-60999)


def is_dynamodb(environ):
    target = environ.get("HTTP_X_AMZ_TARGET", "")
    auth = environ.get("HTTP_AUTHORIZATION", "")
    return target.startswith("DynamoDB") or "/dynamodb/aws4_request" in auth


class SerialDynamoDB:
    """WSGI middleware: DynamoDB requests run under one lock, body included."""

    def __init__(self, app):
        self.app = app
        self.lock = threading.Lock()

    def __call__(self, environ, start_response):
        if not is_dynamodb(environ):
            return self.app(environ, start_response)
        with self.lock:
            result = self.app(environ, start_response)
            try:
                body = [bytes(chunk) for chunk in result]  # produced under the lock too
            finally:
                close = getattr(result, "close", None)
                if close:
                    close()
        return body


# X-Amz-Target prefixes of the JSON protocols, for unsigned calls (boto3
# sends Cognito's InitiateAuth and SignUp without a signature)
TARGETS = {"DynamoDB": "dynamodb", "AmazonSQS": "sqs", "AmazonSSM": "ssm",
           "AWSEvents": "events", "AWSCognitoIdentityProviderService": "cognito-idp"}


def service_of(environ):
    """The signing name of a request's service (a pool's JWKS is Cognito's),
    or None for moto's own API."""
    path = environ.get("PATH_INFO", "")
    if path.startswith("/moto-api"):
        return None
    if path.endswith("/.well-known/jwks.json"):
        return "cognito-idp"
    auth = environ.get("HTTP_AUTHORIZATION", "")
    if "/aws4_request" in auth:  # Credential=<key>/<date>/<region>/<service>/aws4_request
        return auth.split("/aws4_request")[0].rsplit("/", 1)[-1]
    target = environ.get("HTTP_X_AMZ_TARGET", "")
    return TARGETS.get(target.split(".")[0], "unknown") if target else "unknown"


class OnlyServices:
    """WSGI middleware: requests for services outside `allowed` get a 400."""

    def __init__(self, app, allowed):
        self.app, self.allowed = app, allowed

    def __call__(self, environ, start_response):
        service = service_of(environ)
        if service is None or service in self.allowed:
            return self.app(environ, start_response)
        body = json.dumps({"__type": "ServiceNotServed",
                           "message": f"this emulator serves {', '.join(sorted(self.allowed))} only, "
                                      f"not {service}"}).encode()
        start_response("400 Bad Request", [("Content-Type", "application/x-amz-json-1.1"),
                                           ("Content-Length", str(len(body)))])
        return [body]


def enforce_cognito_settings():
    from moto.cognitoidp import models
    from moto.cognitoidp.exceptions import NotAuthorizedError

    backend = models.CognitoIdpBackend
    update_user_attributes, sign_up = backend.update_user_attributes, backend.sign_up

    def checked_update(self, access_token, attributes):
        for pool in self.user_pools.values():
            if access_token in pool.access_tokens:
                client_id, _ = pool.access_tokens[access_token]
                client = pool.clients.get(client_id)
                allowed = client.extended_config.get("WriteAttributes") if client else None
                if allowed is not None and any(a["Name"] not in allowed for a in attributes):
                    raise NotAuthorizedError("A client attempted to write unauthorized attribute")
        return update_user_attributes(self, access_token, attributes)

    def checked_sign_up(self, client_id, username, password, attributes):
        for pool in self.user_pools.values():
            if client_id in pool.clients:
                config = pool.extended_config.get("AdminCreateUserConfig") or {}
                if config.get("AllowAdminCreateUserOnly"):
                    raise NotAuthorizedError("SignUp is not permitted for this user pool")
        return sign_up(self, client_id, username, password, attributes)

    backend.update_user_attributes = checked_update
    backend.sign_up = checked_sign_up


def serve(app, host, port):
    if port != 0:
        return make_server(host, port, app, threaded=True)
    ports = list(range(LOW, HIGH + 1))
    random.shuffle(ports)
    for candidate in ports[:200]:
        try:
            return make_server(host, candidate, app, threaded=True)
        except (OSError, SystemExit):  # werkzeug exits when the port is taken
            continue
    sys.exit(f"moto_server: no free port in {LOW}-{HIGH} after 200 tries")


def main():
    p = argparse.ArgumentParser()
    p.add_argument("-H", "--host", default="127.0.0.1")
    p.add_argument("-p", "--port", type=int, default=4566)
    p.add_argument("--port-file")
    p.add_argument("--services", help="serve only these (comma-separated signing names)")
    args = p.parse_args()

    enforce_cognito_settings()
    app = SerialDynamoDB(DomainDispatcherApplication(create_backend_app))
    if args.services:
        app = OnlyServices(app, set(args.services.split(",")))
    server = serve(app, args.host, args.port)
    os.environ["MOTO_PORT"] = str(server.port)  # moto builds some URLs from it
    if args.port_file:
        tmp = args.port_file + ".tmp"
        with open(tmp, "w") as f:
            f.write(f"{server.port}\n")
        os.replace(tmp, args.port_file)
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(0))
    print(f"moto_server: listening on http://{args.host}:{server.port}", flush=True)
    server.serve_forever()


if __name__ == "__main__":
    main()
