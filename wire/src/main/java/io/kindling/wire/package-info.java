/**
 * Wire types of the Lambda control-plane API (rest-json, PascalCase members), exactly as the AWS
 * SDKs send and read them. Records only: no behaviour beyond shape. Member names follow the
 * botocore model {@code lambda/2015-03-31/service-2.json}; absent members are omitted from JSON.
 */
package io.kindling.wire;
