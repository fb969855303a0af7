package io.kindling.frontend;

/**
 * Every operation Kindling serves, with the method and path template the Lambda
 * API model gives it, and the largest body it accepts.
 */
enum Operation {
    CreateFunction("POST", "/2015-03-31/functions", 201, Limits.CODE_UPLOAD_BODY),
    ListFunctions("GET", "/2015-03-31/functions", 200, 0),
    GetFunction("GET", "/2015-03-31/functions/{FunctionName}", 200, 0),
    DeleteFunction("DELETE", "/2015-03-31/functions/{FunctionName}", 204, 0),
    GetFunctionConfiguration("GET", "/2015-03-31/functions/{FunctionName}/configuration", 200, 0),
    UpdateFunctionConfiguration("PUT", "/2015-03-31/functions/{FunctionName}/configuration", 200, Limits.SMALL_BODY),
    UpdateFunctionCode("PUT", "/2015-03-31/functions/{FunctionName}/code", 200, Limits.CODE_UPLOAD_BODY),
    PublishVersion("POST", "/2015-03-31/functions/{FunctionName}/versions", 201, Limits.SMALL_BODY),
    ListVersionsByFunction("GET", "/2015-03-31/functions/{FunctionName}/versions", 200, 0),
    CreateAlias("POST", "/2015-03-31/functions/{FunctionName}/aliases", 201, Limits.SMALL_BODY),
    ListAliases("GET", "/2015-03-31/functions/{FunctionName}/aliases", 200, 0),
    GetAlias("GET", "/2015-03-31/functions/{FunctionName}/aliases/{Name}", 200, 0),
    UpdateAlias("PUT", "/2015-03-31/functions/{FunctionName}/aliases/{Name}", 200, Limits.SMALL_BODY),
    DeleteAlias("DELETE", "/2015-03-31/functions/{FunctionName}/aliases/{Name}", 204, 0),
    PutFunctionConcurrency("PUT", "/2017-10-31/functions/{FunctionName}/concurrency", 200, Limits.SMALL_BODY),
    DeleteFunctionConcurrency("DELETE", "/2017-10-31/functions/{FunctionName}/concurrency", 204, 0),
    GetFunctionConcurrency("GET", "/2019-09-30/functions/{FunctionName}/concurrency", 200, 0),
    GetAccountSettings("GET", "/2016-08-19/account-settings", 200, 0),
    PutFunctionEventInvokeConfig("PUT", "/2019-09-25/functions/{FunctionName}/event-invoke-config", 200,
            Limits.SMALL_BODY),
    UpdateFunctionEventInvokeConfig("POST", "/2019-09-25/functions/{FunctionName}/event-invoke-config", 200,
            Limits.SMALL_BODY),
    GetFunctionEventInvokeConfig("GET", "/2019-09-25/functions/{FunctionName}/event-invoke-config", 200, 0),
    DeleteFunctionEventInvokeConfig("DELETE", "/2019-09-25/functions/{FunctionName}/event-invoke-config", 204, 0),
    ListFunctionEventInvokeConfigs("GET", "/2019-09-25/functions/{FunctionName}/event-invoke-config/list", 200, 0),
    PutProvisionedConcurrencyConfig("PUT", "/2019-09-30/functions/{FunctionName}/provisioned-concurrency", 202,
            Limits.SMALL_BODY),
    /** Shares Get's method and path; the model tells them apart by the query (before Get, so it is tried first). */
    ListProvisionedConcurrencyConfigs("GET", "/2019-09-30/functions/{FunctionName}/provisioned-concurrency?List=ALL",
            200, 0),
    GetProvisionedConcurrencyConfig("GET", "/2019-09-30/functions/{FunctionName}/provisioned-concurrency", 200, 0),
    DeleteProvisionedConcurrencyConfig("DELETE", "/2019-09-30/functions/{FunctionName}/provisioned-concurrency", 204, 0),
    ListTags("GET", "/2017-03-31/tags/{Resource}", 200, 0),
    TagResource("POST", "/2017-03-31/tags/{Resource}", 204, Limits.SMALL_BODY),
    UntagResource("DELETE", "/2017-03-31/tags/{Resource}", 204, 0),
    /** The data plane: handled by {@link Invocations}, not {@link ControlPlane}. */
    Invoke("POST", "/2015-03-31/functions/{FunctionName}/invocations", 200, Limits.INVOKE_BODY),
    /** The deprecated async invoke: always an Event, answered {@code {"Status":202}}. */
    InvokeAsync("POST", "/2014-11-13/functions/{FunctionName}/invoke-async", 202, Limits.ASYNC_INVOKE_BODY),
    /** Kindling's own: a function's log (Lambda's are in CloudWatch Logs); handled by {@link FunctionLogs}. */
    GetFunctionLogs("GET", "/kindling/2026-11-27/functions/{FunctionName}/logs", 200, 0),
    /** Kindling's own: the async queues, handled by {@link EventQueues}. */
    ListQueues("GET", "/kindling/2026-11-27/queues", 200, 0),
    ListDeadLetters("GET", "/kindling/2026-11-27/functions/{FunctionName}/dead-letters", 200, 0),
    ReplayDeadLetters("POST", "/kindling/2026-11-27/functions/{FunctionName}/dead-letters/replay", 200, 0),
    /** Kindling's own: the node's chunk store and its metrics, from {@link NodeStatus}. */
    GetStorageStats("GET", "/kindling/2026-11-27/storage", 200, 0),
    CollectStorageGarbage("POST", "/kindling/2026-11-27/storage/gc", 200, 0),
    GetMetrics("GET", "/kindling/2026-11-27/metrics", 200, 0),
    /** Kindling's own: the local image store ({@link LocalImages}); 200 if it has the blob, 404 if not. */
    HeadImageBlob("HEAD", "/kindling/2026-11-27/images/blobs/{Digest}", 200, 0),
    /** The one operation whose body is streamed to disk rather than read into memory ({@link FrontendHandler}). */
    PutImageBlob("PUT", "/kindling/2026-11-27/images/blobs/{Digest}", 201, Limits.IMAGE_BLOB),
    PutImageManifest("PUT", "/kindling/2026-11-27/images/{Repository}/manifests/{Tag}", 201, Limits.IMAGE_MANIFEST);

    final String method;
    final String[] segments;
    /** A query parameter ({@code name=value}) the request must carry to be this operation, or null. */
    final String requiredQuery;
    final int successStatus;
    /** Largest body accepted; bodies of operations with 0 are ignored beyond this many bytes. */
    final long maxBody;

    /** The name AWS's size-limit message gives the operation. */
    String nameInLimitMessages() {
        return this == Invoke ? "InvokeFunction" : name();
    }

    Operation(String method, String path, int successStatus, long maxBody) {
        this.method = method;
        int query = path.indexOf('?');
        this.segments = (query < 0 ? path : path.substring(0, query)).substring(1).split("/");
        this.requiredQuery = query < 0 ? null : path.substring(query + 1);
        this.successStatus = successStatus;
        this.maxBody = maxBody == 0 ? Limits.SMALL_BODY : maxBody;
    }

    /** Lambda's size limits that the frontend enforces on bodies. */
    static final class Limits {
        /** 50 MB of zip after base64, plus the JSON around it: the figure in AWS's own 413 message. */
        static final long CODE_UPLOAD_BODY = 69_905_067;
        static final long SMALL_BODY = 1_048_576;
        /** Lambda's synchronous payload limit, 6 MB. */
        static final long INVOKE_BODY = 6_291_456;
        /** Lambda's asynchronous payload limit since 2025 (it was 256 KB), 1 MB. */
        static final long ASYNC_INVOKE_BODY = 1_048_576;
        /** Lambda's image limit, 10 GiB, for one blob of the local image store; streamed, never held in memory. */
        static final long IMAGE_BLOB = 10L * 1024 * 1024 * 1024;
        /** The distribution spec's manifest limit, 4 MiB, which the registry client also pulls at most. */
        static final long IMAGE_MANIFEST = 4L * 1024 * 1024;

        private Limits() {}
    }
}
