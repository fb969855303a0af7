/**
 * Who is calling: AWS Signature Version 4 verification of incoming requests, and the access keys
 * that callers sign with. Nothing here knows about Jetty or HTTP status codes; the frontend turns a
 * request into a {@link io.kindling.frontend.auth.SignedRequest} and maps each
 * {@link io.kindling.frontend.auth.AuthFailure} to the error AWS would return.
 */
package io.kindling.frontend.auth;
