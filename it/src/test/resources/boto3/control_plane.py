"""Drives Kindling's control plane with boto3, as a user's script would; prints one JSON report.

Usage: python3 control_plane.py ENDPOINT ACCESS_KEY SECRET_KEY ZIP_PATH
Every step records what boto3 returned; the Java test (Boto3Test) asserts on the report.
"""
import base64
import hashlib
import json
import sys

import boto3
import botocore.exceptions


def main():
    endpoint, key, secret, zip_path = sys.argv[1:5]
    lam = boto3.client("lambda", endpoint_url=endpoint, region_name="us-east-1",
                       aws_access_key_id=key, aws_secret_access_key=secret)
    code = open(zip_path, "rb").read()
    report = {"boto3": boto3.__version__}

    created = lam.create_function(FunctionName="py-fn", Runtime="provided.al2023", Handler="bootstrap",
                                  Role="arn:aws:iam::123456789012:role/kindling-test", Code={"ZipFile": code},
                                  MemorySize=256, Tags={"lang": "python"})
    report["create_status"] = created["ResponseMetadata"]["HTTPStatusCode"]
    report["create_state"] = created["State"]
    report["sha_matches"] = created["CodeSha256"] == base64.b64encode(hashlib.sha256(code).digest()).decode()

    lam.get_waiter("function_active_v2").wait(FunctionName="py-fn", WaiterConfig={"Delay": 1})
    got = lam.get_function(FunctionName="arn:aws:lambda:us-east-1:123456789012:function:py-fn")
    report["state_after_wait"] = got["Configuration"]["State"]
    report["tags"] = got["Tags"]

    lam.update_function_configuration(FunctionName="py-fn", Timeout=42)
    lam.get_waiter("function_updated_v2").wait(FunctionName="py-fn", WaiterConfig={"Delay": 1})
    report["version"] = lam.publish_version(FunctionName="py-fn")["Version"]
    report["alias_arn"] = lam.create_alias(FunctionName="py-fn", Name="live", FunctionVersion="1")["AliasArn"]
    report["via_alias_timeout"] = lam.get_function_configuration(FunctionName="py-fn:live")["Timeout"]

    names = []
    for page in lam.get_paginator("list_functions").paginate(PaginationConfig={"PageSize": 1}):
        names.extend(f["FunctionName"] for f in page["Functions"])
    report["listed"] = names

    try:
        lam.get_function(FunctionName="py-missing")
    except lam.exceptions.ResourceNotFoundException as e:
        report["missing_error"] = e.response["Error"]["Code"]
        report["missing_status"] = e.response["ResponseMetadata"]["HTTPStatusCode"]

    try:
        lam.create_function(FunctionName="py-bad", Runtime="provided.al2023", Handler="bootstrap",
                            Role="arn:aws:iam::123456789012:role/kindling-test", Code={"ZipFile": code},
                            MemorySize=99999)
    except botocore.exceptions.ClientError as e:
        report["invalid_error"] = e.response["Error"]["Code"]

    report["account_functions"] = lam.get_account_settings()["AccountUsage"]["FunctionCount"]
    lam.delete_function(FunctionName="py-fn")
    report["remaining"] = [f["FunctionName"] for f in lam.list_functions()["Functions"]]
    print(json.dumps(report))


if __name__ == "__main__":
    main()
