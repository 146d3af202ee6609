"""What the scripts of tests/clients share: a botocore configuration that fails fast (a lab's
blocked path is a timeout, not a retry), and `call`, which records a call's result or its error
(AWS's code and message, or the exception's name) under a key of `out`."""
import botocore.config
import botocore.exceptions

cfg = botocore.config.Config(connect_timeout=2, read_timeout=5, retries={"max_attempts": 1})
out = {}


def call(name, f):
    try:
        out[name] = f()
    except botocore.exceptions.ClientError as e:
        out[name] = {"error": e.response["Error"]["Code"], "message": e.response["Error"].get("Message", "")}
    except Exception as e:  # noqa: BLE001 - a network failure is a result here
        out[name] = {"exception": type(e).__name__, "message": str(e)}
