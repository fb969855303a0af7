package io.kindling.frontend;

import com.fasterxml.jackson.databind.ObjectMapper;
import io.kindling.chunks.InvalidPackageException;
import io.kindling.counting.ConcurrencyCounter;
import io.kindling.registry.Alias;
import io.kindling.registry.FunctionRecord;
import io.kindling.registry.FunctionVersion;
import io.kindling.registry.Page;
import io.kindling.registry.Registry;
import io.kindling.registry.RegistryException;
import io.kindling.wire.AccountLimit;
import io.kindling.wire.AccountSettings;
import io.kindling.wire.AccountUsage;
import io.kindling.wire.Concurrency;
import io.kindling.wire.FunctionCodeLocation;
import io.kindling.wire.FunctionConfiguration;
import io.kindling.wire.GetFunctionResponse;
import io.kindling.wire.ListAliasesResponse;
import io.kindling.wire.ListFunctionsResponse;
import io.kindling.wire.ListTagsResponse;
import io.kindling.wire.ListVersionsByFunctionResponse;
import io.kindling.wire.Requests;
import java.io.IOException;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.OptionalInt;
import java.util.regex.Pattern;

/**
 * The control-plane operations: wire request in, registry call, wire response out. Runs on the
 * request's virtual thread; every registry call is one transaction.
 */
final class ControlPlane {
    static final Pattern ALIAS_NAME = Pattern.compile("(?!^[0-9]+$)([a-zA-Z0-9-_]+)");
    static final Pattern ALIAS_VERSION = Pattern.compile("(\\$LATEST|[0-9]+)");
    static final int MAX_TAGS = 50;
    /** Lambda's per-region code storage quota, reported by GetAccountSettings. */
    static final long TOTAL_CODE_SIZE_LIMIT = 80_530_636_800L;

    private final Registry registry;
    private final CodeIntake intake;
    private final CodeLocations codeLocations;
    private final Arns arns;
    private final Renderer render;
    private final SettingsValidator validator;
    private final ObjectMapper json;
    private final io.kindling.chunks.PackageLimits packageLimits;
    /** Told when a function is deleted, so its environments and its log go too. */
    private final Invoker invoker;
    private final FunctionLogReader logs;
    /** Told when a function is deleted, so its queued events and dead letters go. */
    private final AsyncEvents events;
    /** Enforces reserved concurrency; told of every change. */
    private final ConcurrencyCounter counter;
    /** Held while a reservation is committed and handed to the counter, so the two agree on the order. */
    private final Object reservationChanges = new Object();
    private final EventInvokeConfigs eventInvokeConfigs;
    private final ProvisionedConfigs provisionedConfigs;

    /** Resolves ImageUri when code is set to a container image. */
    private final ContainerImages images;

    ControlPlane(Registry registry, CodeIntake intake, CodeLocations codeLocations, Arns arns, ObjectMapper json,
                 io.kindling.chunks.PackageLimits packageLimits, Invoker invoker, FunctionLogReader logs,
                 AsyncEvents events, ConcurrencyCounter counter, ContainerImages images) {
        this.images = images;
        this.invoker = invoker;
        this.events = events;
        this.counter = counter;
        this.logs = logs;
        this.registry = registry;
        this.intake = intake;
        this.codeLocations = codeLocations;
        this.arns = arns;
        this.render = new Renderer(arns);
        this.validator = new SettingsValidator(json);
        this.json = json;
        this.packageLimits = packageLimits;
        this.eventInvokeConfigs = new EventInvokeConfigs(registry, arns, json);
        this.provisionedConfigs = new ProvisionedConfigs(registry, arns, json);
    }

    ApiResult handle(ApiCall call) throws RequestException, RegistryException, InvalidPackageException,
            IOException, InterruptedException {
        return switch (call.operation()) {
            case CreateFunction -> createFunction(call);
            case ListFunctions -> listFunctions(call);
            case GetFunction -> getFunction(call);
            case DeleteFunction -> deleteFunction(call);
            case GetFunctionConfiguration -> getConfiguration(call);
            case UpdateFunctionConfiguration -> updateConfiguration(call);
            case UpdateFunctionCode -> updateCode(call);
            case PublishVersion -> publishVersion(call);
            case ListVersionsByFunction -> listVersions(call);
            case CreateAlias -> createAlias(call);
            case ListAliases -> listAliases(call);
            case GetAlias -> getAlias(call);
            case UpdateAlias -> updateAlias(call);
            case DeleteAlias -> deleteAlias(call);
            case PutFunctionConcurrency -> putConcurrency(call);
            case GetFunctionConcurrency -> getConcurrency(call);
            case DeleteFunctionConcurrency -> deleteConcurrency(call);
            case GetAccountSettings -> accountSettings();
            case PutFunctionEventInvokeConfig, UpdateFunctionEventInvokeConfig, GetFunctionEventInvokeConfig,
                 DeleteFunctionEventInvokeConfig, ListFunctionEventInvokeConfigs -> eventInvokeConfigs.handle(call);
            case PutProvisionedConcurrencyConfig, GetProvisionedConcurrencyConfig, DeleteProvisionedConcurrencyConfig,
                 ListProvisionedConcurrencyConfigs -> provisionedConfigs.handle(call);
            case ListTags -> listTags(call);
            case TagResource -> tagResource(call);
            case UntagResource -> untagResource(call);
            case Invoke, InvokeAsync, GetFunctionLogs, ListQueues, ListDeadLetters, ReplayDeadLetters, GetStorageStats,
                 CollectStorageGarbage, GetMetrics, HeadImageBlob, PutImageBlob, PutImageManifest ->
                    throw new IllegalArgumentException(call.operation()
                    + " is not a control-plane operation");
        };
    }

    // ---------------------------------------------------------------- functions

    private ApiResult createFunction(ApiCall call) throws RequestException, RegistryException, InvalidPackageException,
            IOException, InterruptedException {
        Requests.CreateFunction r = body(call, Requests.CreateFunction.class);
        new Violations().required("functionName", r.functionName()).required("code", r.code()).throwIfAny();
        FunctionRef ref = FunctionRef.parse(r.functionName(), false, null, arns);
        var settings = validator.forCreate(r);
        Map<String, String> tags = r.tags() == null ? Map.of() : r.tags();
        validateTags(tags);
        boolean publish = Boolean.TRUE.equals(r.publish());
        if (settings.isImage()) {
            Registry.ImageCode image = image(r.code().imageUri(), r.code().zipFile(), r.code().s3Bucket(),
                    settings.architectures().getFirst());
            FunctionVersion v = registry.createFunction(ref.name(), settings, image, tags, publish);
            return new ApiResult(201, render.configuration(v, false), ref.name());
        }
        byte[] zip = zipFile(r.code().zipFile(), r.code().s3Bucket(), r.code().imageUri());
        try (CodeIntake.Staged staged = intake.stage(zip)) {
            FunctionVersion v = registry.createFunction(ref.name(), settings, staged.code(), tags, publish);
            return new ApiResult(201, render.configuration(v, false), ref.name());
        }
    }

    private ApiResult updateCode(ApiCall call) throws RequestException, RegistryException, InvalidPackageException,
            IOException, InterruptedException {
        FunctionRef ref = unqualified(call);
        Requests.UpdateFunctionCode r = body(call, Requests.UpdateFunctionCode.class);
        SettingsValidator.architectures(r.architectures());
        // A missing function is reported as such (resolve throws FunctionNotFound), before the package is inspected or
        // the image resolved.
        FunctionVersion current = registry.resolve(ref.name(), null);
        boolean publish = Boolean.TRUE.equals(r.publish());
        if (current.settings().isImage()) {
            Registry.ImageCode image = image(r.imageUri(), r.zipFile(), r.s3Bucket(),
                    current.settings().architectures().getFirst());
            if (Boolean.TRUE.equals(r.dryRun())) {
                return new ApiResult(200, render.configuration(current, false), ref.name());
            }
            FunctionVersion v = registry.updateCode(ref.name(), image, r.revisionId(), publish);
            return new ApiResult(200, render.configuration(v, false), ref.name());
        }
        if (r.imageUri() != null) {
            throw new RequestException.InvalidParameter("Please don't provide ImageUri when updating a function with"
                    + " packageType Zip.");
        }
        byte[] zip = zipFile(r.zipFile(), r.s3Bucket(), r.imageUri());
        try (CodeIntake.Staged staged = intake.stage(zip)) {
            if (Boolean.TRUE.equals(r.dryRun())) {
                return new ApiResult(200, render.configuration(current, false), ref.name());
            }
            FunctionVersion v = registry.updateCode(ref.name(), staged.code(), r.revisionId(), publish);
            return new ApiResult(200, render.configuration(v, false), ref.name());
        }
    }

    /** An image function's code: an ImageUri and nothing else, resolved in its registry now. */
    private Registry.ImageCode image(String imageUri, byte[] zipFile, String s3Bucket, String architecture)
            throws RequestException, InterruptedException {
        if (zipFile != null || s3Bucket != null) {
            throw new RequestException.InvalidParameter("Please provide ImageUri when creating or updating a function"
                    + " with packageType Image; ZipFile and S3 locations are for packageType Zip.");
        }
        new Violations().required("code.imageUri", imageUri).length("code.imageUri", imageUri, 1, 2048).throwIfAny();
        try {
            return images.resolve(imageUri, architecture);
        } catch (ContainerImages.ImageUnavailable e) {
            throw new RequestException.InvalidParameter(e.getMessage());
        }
    }

    private byte[] zipFile(byte[] zipFile, String s3Bucket, String imageUri) throws RequestException {
        if (imageUri != null) {
            throw new RequestException.InvalidParameter("ImageUri is for functions of package type Image; create the"
                    + " function with PackageType Image, or upload a zip as ZipFile.");
        }
        if (s3Bucket != null) {
            throw new RequestException.InvalidParameter("Kindling accepts code as ZipFile only; S3Bucket/S3Key code"
                    + " locations are not supported.");
        }
        if (zipFile == null) {
            throw new RequestException.InvalidParameter("Please provide a source for function code.");
        }
        if (zipFile.length > packageLimits.maxZippedBytes()) {
            throw new RequestException.TooLarge("Zipped size must be smaller than " + packageLimits.maxZippedBytes()
                    + " bytes");
        }
        return zipFile;
    }

    private ApiResult getFunction(ApiCall call) throws RequestException, RegistryException {
        FunctionRef ref = qualified(call);
        FunctionVersion v = registry.resolve(ref.name(), ref.qualifier());
        FunctionRecord f = registry.function(ref.name());
        FunctionCodeLocation code = v.code().image()
                .map(image -> FunctionCodeLocation.image(image.imageUri(), image.resolvedImageUri()))
                .orElseGet(() -> FunctionCodeLocation.zip(codeLocations.url(v.code().sha256Hex())));
        return new ApiResult(200, new GetFunctionResponse(render.configuration(v, ref.qualifier() != null), code,
                f.tags().isEmpty() ? null : f.tags(),
                f.reservedConcurrency().isPresent() ? new Concurrency(f.reservedConcurrency().getAsInt()) : null),
                ref.name());
    }

    private ApiResult getConfiguration(ApiCall call) throws RequestException, RegistryException {
        FunctionRef ref = qualified(call);
        return new ApiResult(200, render.configuration(registry.resolve(ref.name(), ref.qualifier()),
                ref.qualifier() != null), ref.name());
    }

    private ApiResult updateConfiguration(ApiCall call) throws RequestException, RegistryException {
        FunctionRef ref = unqualified(call);
        Requests.UpdateFunctionConfiguration r = body(call, Requests.UpdateFunctionConfiguration.class);
        var change = validator.forUpdate(r);
        FunctionVersion current = registry.resolve(ref.name(), null);
        if (current.settings().isImage() && (r.runtime() != null || r.handler() != null)) {
            throw new RequestException.InvalidParameter("Runtime and Handler cannot be set for functions of package"
                    + " type Image.");
        }
        if (!current.settings().isImage() && r.imageConfig() != null) {
            throw new RequestException.InvalidParameter("ImageConfig is supported only for functions of package type"
                    + " Image.");
        }
        FunctionVersion v = registry.updateSettings(ref.name(), change, r.revisionId());
        return new ApiResult(200, render.configuration(v, false), ref.name());
    }

    private ApiResult deleteFunction(ApiCall call) throws RequestException, RegistryException, IOException {
        FunctionRef ref = qualified(call);
        if (ref.qualifier() == null) {
            registry.deleteFunction(ref.name());
            invoker.functionDeleted(ref.name());
            events.functionDeleted(ref.name());
            counter.forget(ref.name());
            logs.delete(ref.name());
        } else if (ref.qualifier().equals(FunctionVersion.LATEST)) {
            throw new RequestException.InvalidParameter("$LATEST version cannot be deleted without deleting the function.");
        } else if (!ref.qualifier().chars().allMatch(Character::isDigit)) {
            throw new RequestException.InvalidParameter("Deletion of aliases is not supported through DeleteFunction;"
                    + " use DeleteAlias for alias " + ref.qualifier() + ".");
        } else {
            registry.deleteVersion(ref.name(), Long.parseLong(ref.qualifier()));
        }
        return new ApiResult(204, null, ref.name());
    }

    private ApiResult listFunctions(ApiCall call) throws RequestException, RegistryException {
        String versions = call.query("FunctionVersion");
        new Violations().oneOf("functionVersion", versions, List.of("ALL")).throwIfAny();
        Page<FunctionVersion> page = registry.listFunctions(call.query("Marker"), maxItems(call), versions != null);
        List<FunctionConfiguration> items = page.items().stream().map(v -> render.configuration(v, versions != null)).toList();
        return new ApiResult(200, new ListFunctionsResponse(page.nextMarker().orElse(null), items), null);
    }

    private ApiResult publishVersion(ApiCall call) throws RequestException, RegistryException {
        FunctionRef ref = unqualified(call);
        Requests.PublishVersion r = body(call, Requests.PublishVersion.class);
        new Violations().length("description", r.description(), 0, 256).throwIfAny();
        // An image's CodeSha256 is reported in hex (its manifest digest), a zip's in base64.
        String sha = r.codeSha256() == null ? null
                : r.codeSha256().matches("[0-9a-f]{64}") ? r.codeSha256() : hexOfBase64(r.codeSha256());
        FunctionVersion v = registry.publishVersion(ref.name(), sha, r.description(), r.revisionId());
        return new ApiResult(201, render.configuration(v, true), ref.name());
    }

    private ApiResult listVersions(ApiCall call) throws RequestException, RegistryException {
        FunctionRef ref = unqualified(call);
        Page<FunctionVersion> page = registry.listVersions(ref.name(), call.query("Marker"), maxItems(call));
        return new ApiResult(200, new ListVersionsByFunctionResponse(page.nextMarker().orElse(null),
                page.items().stream().map(v -> render.configuration(v, true)).toList()), ref.name());
    }

    // ---------------------------------------------------------------- aliases

    private ApiResult createAlias(ApiCall call) throws RequestException, RegistryException {
        FunctionRef ref = unqualified(call);
        Requests.CreateAlias r = body(call, Requests.CreateAlias.class);
        Map<String, Double> weights = weights(r.routingConfig());
        new Violations().required("name", r.name()).required("functionVersion", r.functionVersion())
                .length("name", r.name(), 1, 128).pattern("name", r.name(), ALIAS_NAME)
                .length("functionVersion", r.functionVersion(), 1, 1024)
                .pattern("functionVersion", r.functionVersion(), ALIAS_VERSION)
                .length("description", r.description(), 0, 256).throwIfAny();
        checkRouting(r.functionVersion(), weights);
        Alias a = registry.createAlias(ref.name(), r.name(), r.functionVersion(), r.description(), weights);
        return new ApiResult(201, render.alias(a), ref.name());
    }

    private ApiResult getAlias(ApiCall call) throws RequestException, RegistryException {
        FunctionRef ref = unqualified(call);
        String name = aliasName(call);
        return new ApiResult(200, render.alias(registry.alias(ref.name(), name)), ref.name());
    }

    private ApiResult updateAlias(ApiCall call) throws RequestException, RegistryException {
        FunctionRef ref = unqualified(call);
        String name = aliasName(call);
        Requests.UpdateAlias r = body(call, Requests.UpdateAlias.class);
        new Violations().length("functionVersion", r.functionVersion(), 1, 1024)
                .pattern("functionVersion", r.functionVersion(), ALIAS_VERSION)
                .length("description", r.description(), 0, 256).throwIfAny();
        Map<String, Double> weights = r.routingConfig() == null ? null : weights(r.routingConfig());
        if (weights != null) {
            checkRouting(r.functionVersion() != null ? r.functionVersion()
                    : registry.alias(ref.name(), name).functionVersion(), weights);
        }
        Alias a = registry.updateAlias(ref.name(), name, r.functionVersion(), r.description(), weights, r.revisionId());
        return new ApiResult(200, render.alias(a), ref.name());
    }

    private ApiResult deleteAlias(ApiCall call) throws RequestException, RegistryException {
        FunctionRef ref = unqualified(call);
        registry.deleteAlias(ref.name(), aliasName(call));
        return new ApiResult(204, null, ref.name());
    }

    private ApiResult listAliases(ApiCall call) throws RequestException, RegistryException {
        FunctionRef ref = unqualified(call);
        String version = call.query("FunctionVersion");
        new Violations().pattern("functionVersion", version, ALIAS_VERSION).throwIfAny();
        Page<Alias> page = registry.listAliases(ref.name(), version, call.query("Marker"), maxItems(call));
        return new ApiResult(200, new ListAliasesResponse(page.nextMarker().orElse(null),
                page.items().stream().map(render::alias).toList()), ref.name());
    }

    private String aliasName(ApiCall call) throws RequestException {
        String name = call.path("Name");
        new Violations().length("name", name, 1, 128).pattern("name", name, ALIAS_NAME).throwIfAny();
        return name;
    }

    private static Map<String, Double> weights(io.kindling.wire.AliasRoutingConfig routing) {
        return routing == null || routing.additionalVersionWeights() == null ? Map.of() : routing.additionalVersionWeights();
    }

    /** Lambda's weighted aliases: one extra published version, weight in [0, 1], primary not $LATEST. */
    private static void checkRouting(String primary, Map<String, Double> weights) throws RequestException {
        if (weights.isEmpty()) {
            return;
        }
        Violations v = new Violations();
        for (var e : weights.entrySet()) {
            v.pattern("routingConfig.additionalVersionWeights", e.getKey(), Pattern.compile("[0-9]+"));
            if (e.getValue() == null || e.getValue() < 0.0 || e.getValue() > 1.0) {
                v.add("routingConfig.additionalVersionWeights", e.getValue(),
                        "Map value must satisfy constraint: [Member must have value between 0.0 and 1.0]");
            }
        }
        v.throwIfAny();
        if (weights.size() > 1) {
            throw new RequestException.InvalidParameter("Number of items in AdditionalVersionWeights cannot be greater than 1");
        }
        if (FunctionVersion.LATEST.equals(primary)) {
            throw new RequestException.InvalidParameter("$LATEST is not supported for an alias pointing to more than 1 version");
        }
        if (weights.containsKey(primary)) {
            throw new RequestException.InvalidParameter("Invalid function version " + primary
                    + ". Function version " + primary + " is already included in routing configuration.");
        }
    }

    // ---------------------------------------------------------------- concurrency, account, tags

    private ApiResult putConcurrency(ApiCall call) throws RequestException, RegistryException {
        FunctionRef ref = unqualified(call);
        Requests.PutFunctionConcurrency r = body(call, Requests.PutFunctionConcurrency.class);
        new Violations().required("reservedConcurrentExecutions", r.reservedConcurrentExecutions())
                .range("reservedConcurrentExecutions", r.reservedConcurrentExecutions(), 0, Integer.MAX_VALUE)
                .throwIfAny();
        int reserved;
        synchronized (reservationChanges) {
            reserved = registry.putReservedConcurrency(ref.name(), r.reservedConcurrentExecutions());
            counter.reserve(ref.name(), OptionalInt.of(reserved));
        }
        return new ApiResult(200, new Concurrency(reserved), ref.name());
    }

    private ApiResult getConcurrency(ApiCall call) throws RequestException, RegistryException {
        FunctionRef ref = unqualified(call);
        FunctionRecord f = registry.function(ref.name());
        return new ApiResult(200, new Concurrency(f.reservedConcurrency().isPresent()
                ? f.reservedConcurrency().getAsInt() : null), ref.name());
    }

    private ApiResult deleteConcurrency(ApiCall call) throws RequestException, RegistryException {
        FunctionRef ref = unqualified(call);
        synchronized (reservationChanges) {
            registry.deleteReservedConcurrency(ref.name());
            counter.reserve(ref.name(), OptionalInt.empty());
        }
        return new ApiResult(204, null, ref.name());
    }

    private ApiResult accountSettings() throws RegistryException {
        Registry.Usage usage = registry.usage();
        Registry.ConcurrencyLimits limits = registry.limits();
        return new ApiResult(200, new AccountSettings(
                new AccountLimit(TOTAL_CODE_SIZE_LIMIT, packageLimits.maxUnzippedBytes(), packageLimits.maxZippedBytes(),
                        limits.accountLimit(), usage.unreservedConcurrency(limits)),
                new AccountUsage(usage.totalCodeSize(), usage.functionCount())), null);
    }

    private ApiResult listTags(ApiCall call) throws RequestException, RegistryException {
        String name = taggedFunction(call);
        return new ApiResult(200, new ListTagsResponse(registry.function(name).tags()), name);
    }

    private ApiResult tagResource(ApiCall call) throws RequestException, RegistryException {
        String name = taggedFunction(call);
        Requests.TagResource r = body(call, Requests.TagResource.class);
        new Violations().required("tags", r.tags()).throwIfAny();
        validateTags(r.tags());
        registry.tag(name, r.tags(), MAX_TAGS);
        return new ApiResult(204, null, name);
    }

    private ApiResult untagResource(ApiCall call) throws RequestException, RegistryException {
        String name = taggedFunction(call);
        List<String> keys = call.queryAll("tagKeys");
        new Violations().required("tagKeys", keys.isEmpty() ? null : keys).throwIfAny();
        registry.untag(name, new HashSet<>(keys));
        return new ApiResult(204, null, name);
    }

    /** Tags live on the function: the resource must be an unqualified function ARN. */
    private String taggedFunction(ApiCall call) throws RequestException {
        String resource = call.path("Resource");
        if (!resource.startsWith("arn:")) {
            new Violations().add("resource", resource, "Member must satisfy regular expression pattern:"
                    + " arn:(aws[a-zA-Z-]*):lambda:[a-z]{2}((-gov)|(-iso([a-z]?)))?-[a-z]+-\\d{1}:\\d{12}:function:[a-zA-Z0-9-_]+")
                    .throwIfAny();
        }
        return FunctionRef.parse(resource, false, null, arns).name();
    }

    private static void validateTags(Map<String, String> tags) throws RequestException {
        Violations v = new Violations();
        for (var e : tags.entrySet()) {
            v.length("tags.key", e.getKey(), 1, 128).length("tags.value", e.getValue(), 0, 256);
        }
        v.throwIfAny();
        if (tags.size() > MAX_TAGS) {
            throw new RequestException.InvalidParameter("Number of tags exceeds resource tag limit.");
        }
        for (String key : tags.keySet()) {
            if (key.toLowerCase(java.util.Locale.ROOT).startsWith("aws:")) {
                throw new RequestException.InvalidParameter("Tag keys starting with 'aws:' are reserved: " + key);
            }
        }
    }

    // ---------------------------------------------------------------- request helpers

    private FunctionRef qualified(ApiCall call) throws RequestException {
        return Calls.qualified(call, arns);
    }

    private FunctionRef unqualified(ApiCall call) throws RequestException {
        return Calls.unqualified(call, arns);
    }

    private static int maxItems(ApiCall call) throws RequestException {
        return Calls.maxItems(call, 10000);
    }

    private <T> T body(ApiCall call, Class<T> type) throws RequestException {
        return Calls.body(json, call, type);
    }

    private static String hexOfBase64(String base64) throws RequestException {
        try {
            return java.util.HexFormat.of().formatHex(java.util.Base64.getDecoder().decode(base64));
        } catch (IllegalArgumentException e) {
            throw new RequestException.InvalidParameter("CodeSha256 is not base64: " + base64);
        }
    }
}
