package io.kindling.registry;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.type.TypeReference;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.github.benmanes.caffeine.cache.Cache;
import com.github.benmanes.caffeine.cache.Caffeine;
import io.kindling.chunks.CodeStore;
import io.kindling.chunks.PackageSummary;
import io.kindling.wire.LambdaJson;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Clock;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Base64;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalInt;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.function.UnaryOperator;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Functions, versions, aliases, tags, reserved concurrency, event invoke configs and provisioned
 * concurrency configs: the control plane's state.
 *
 * <p>Every public method is one transaction on the database thread (see {@link Database}), so a
 * check such as "no update in progress" and the write that follows it cannot interleave with
 * another request. Code packages enter the {@link CodeStore} durably just before the transaction
 * that first references them, and leave it when the last version referencing them is gone.
 */
public final class Registry implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(Registry.class);
    private static final ObjectMapper json = LambdaJson.mapper();
    private static final TypeReference<Map<String, String>> STRING_MAP = new TypeReference<>() {};
    private static final TypeReference<Map<String, Double>> WEIGHTS = new TypeReference<>() {};
    private static final String EVENT_INVOKE_COLUMNS = "function_name, qualifier, maximum_retry_attempts,"
            + " maximum_event_age_seconds, on_success, on_failure, last_modified";
    private static final String PROVISIONED_COLUMNS = "p.function_name, p.qualifier, COALESCE(a.function_version,"
            + " p.qualifier), p.requested, p.allocated, p.status, p.status_reason, p.last_modified"
            + " FROM provisioned_concurrency p LEFT JOIN aliases a ON a.function_name = p.function_name"
            + " AND a.name = p.qualifier";
    private static final String UNPUBLISHED = "Provisioned Concurrency Configs cannot be applied to unpublished"
            + " function versions.";
    private static final String VERSION_COLUMNS = "function_name, version_number, settings, code_sha256, code_size,"
            + " revision_id, last_modified, state, state_reason, state_reason_code, update_status, update_reason,"
            + " update_reason_code, image";

    /** Told when a version's code needs preparing before the version can become Active. */
    @FunctionalInterface
    public interface CodeListener {
        void codePending(String functionName, String sha256Hex);
    }

    /** Code for a new or updated version: a zip package staged by the frontend, or a resolved container image. */
    public sealed interface NewCode permits StagedCode, ImageCode {
        CodeRef ref();
    }

    /** An inspected package waiting in a temporary file to be committed with the version that uses it. */
    public record StagedCode(Path file, PackageSummary summary) implements NewCode {
        @Override
        public CodeRef ref() {
            return new CodeRef(summary.sha256Hex(), summary.zippedSize());
        }
    }

    /**
     * A container image resolved in its registry (its manifest and config read, no layer fetched yet): the version
     * waits in Pending / InProgress while the server imports it.
     *
     * @param manifestSha256Hex the platform manifest's digest, hex: the version's code identity (CodeSha256)
     * @param size the sum of the image's compressed layer sizes
     */
    public record ImageCode(String manifestSha256Hex, long size, ContainerImage image) implements NewCode {
        @Override
        public CodeRef ref() {
            return new CodeRef(manifestSha256Hex, size, Optional.of(image));
        }
    }

    /** Account-wide concurrency: the limit, and how much of it must stay unreserved (Lambda: 100). */
    public record ConcurrencyLimits(int accountLimit, int minimumUnreserved) {}

    /**
     * @param provisionedOutsideReservations provisioned concurrency of functions without a reservation: like a
     *                                       reservation, it is taken from the account's unreserved pool
     */
    public record Usage(long totalCodeSize, long functionCount, int reservedConcurrency,
                        int provisionedOutsideReservations) {
        public int unreservedConcurrency(ConcurrencyLimits limits) {
            return limits.accountLimit() - reservedConcurrency - provisionedOutsideReservations;
        }
    }

    private final Database db;
    /**
     * Resolved versions with the database generation they were read at: every invoke resolves its qualifier, and a
     * hit skips the database thread. Any committed transaction makes every entry stale (compared, not evicted), so
     * no answer is older than the last commit its caller could have seen. Bounded; the least used go first.
     */
    private final Cache<ResolveKey, Database.Read<FunctionVersion>> resolved =
            Caffeine.newBuilder().maximumSize(10_000).build();
    private final CodeStore codeStore;
    private final Clock clock;
    private final ConcurrencyLimits limits;
    private volatile CodeListener listener = (name, sha) -> {};
    /** Packages being stored by an upload whose transaction has not finished: sha256 hex → uploads. */
    private final java.util.concurrent.ConcurrentHashMap<String, Integer> pinned = new java.util.concurrent.ConcurrentHashMap<>();
    /**
     * Every event invoke config row, function name → qualifier → config, so that the async dispatcher's
     * read on each delivery never waits for the database thread. Not a cache: it holds exactly the table
     * (loaded at start, bounded by it) and is changed only on the database thread after a commit
     * ({@link Database#transaction(Database.Work, java.util.function.Consumer)}), so it is never older
     * than the last committed write.
     */
    private final ConcurrentHashMap<String, Map<String, EventInvokeConfig>> eventInvokeConfigs = new ConcurrentHashMap<>();
    private final List<Runnable> provisionedListeners = new CopyOnWriteArrayList<>();

    public Registry(Path databaseFile, CodeStore codeStore, Clock clock, ConcurrencyLimits limits) throws RegistryException {
        try {
            this.db = new Database(databaseFile);
        } catch (SQLException e) {
            throw new RegistryException.StorageFailure(e);
        }
        this.codeStore = codeStore;
        this.clock = clock;
        this.limits = limits;
        List<EventInvokeConfig> stored = db.transaction(c -> queryEventInvokeConfigs(c,
                "SELECT " + EVENT_INVOKE_COLUMNS + " FROM event_invoke_configs"));
        for (EventInvokeConfig config : stored) {
            rememberEventInvokeConfig(config);
        }
    }

    public void onCodePending(CodeListener codeListener) {
        this.listener = codeListener;
    }

    public ConcurrencyLimits limits() {
        return limits;
    }

    // ---------------------------------------------------------------- functions and versions

    /** Creates the function with its $LATEST; with {@code publish} also version 1, which is returned. */
    public FunctionVersion createFunction(String name, FunctionSettings settings, NewCode code,
                                          Map<String, String> tags, boolean publish) throws RegistryException {
        FunctionVersion created = withStoredCode(code, () -> db.transaction(c -> {
            if (functionRow(c, name).isPresent()) {
                throw new RegistryException.FunctionExists(name);
            }
            Instant now = clock.instant();
            update(c, "INSERT INTO functions(name, created_at, tags) VALUES (?, ?, ?)", name, now.toString(), toJson(tags));
            FunctionVersion latest = new FunctionVersion(name, 0, settings, code.ref(), newRevision(), now,
                    VersionStatus.creating());
            insertVersion(c, latest);
            return publish ? publishLocked(c, latest, settings.description(), now) : latest;
        }));
        listener.codePending(name, code.ref().sha256Hex());
        return created;
    }

    public FunctionVersion updateCode(String name, NewCode code, String expectedRevision, boolean publish)
            throws RegistryException {
        String[] replaced = new String[1];
        FunctionVersion updated = withStoredCode(code, () -> db.transaction(c -> {
            FunctionVersion latest = changeableLatest(c, name, expectedRevision);
            replaced[0] = latest.code().sha256Hex();
            Instant now = clock.instant();
            FunctionVersion next = new FunctionVersion(name, 0, latest.settings(), code.ref(), newRevision(), now,
                    latest.status().updating());
            replaceLatest(c, next);
            return publish ? publishLocked(c, next, latest.settings().description(), now) : next;
        }));
        collectGarbage(replaced[0]);
        listener.codePending(name, code.ref().sha256Hex());
        return updated;
    }

    /** Settings changes need no preparation, so they complete in the same transaction. */
    public FunctionVersion updateSettings(String name, UnaryOperator<FunctionSettings> change, String expectedRevision)
            throws RegistryException {
        return db.transaction(c -> {
            FunctionVersion latest = changeableLatest(c, name, expectedRevision);
            FunctionVersion next = new FunctionVersion(name, 0, change.apply(latest.settings()), latest.code(),
                    newRevision(), clock.instant(), latest.status());
            replaceLatest(c, next);
            return next;
        });
    }

    /**
     * Publishes $LATEST as the next version number. As in Lambda, nothing is published when
     * neither code nor configuration changed since the newest version: that version is returned.
     */
    public FunctionVersion publishVersion(String name, String expectedCodeSha256Hex, String description,
                                          String expectedRevision) throws RegistryException {
        return db.transaction(c -> {
            FunctionVersion latest = changeableLatest(c, name, expectedRevision);
            if (expectedCodeSha256Hex != null && !expectedCodeSha256Hex.equals(latest.code().sha256Hex())) {
                throw new RegistryException.InvalidRequest("CodeSHA256 (" + base64(expectedCodeSha256Hex)
                        + ") is different from current CodeSHA256 in $LATEST (" + base64(latest.code().sha256Hex())
                        + "). Please try again with the CodeSHA256 in $LATEST.");
            }
            Optional<FunctionVersion> newest = newestPublished(c, name);
            if (newest.isPresent() && newest.get().code().equals(latest.code())
                    && newest.get().settings().withDescription("").equals(latest.settings().withDescription(""))) {
                return newest.get();
            }
            return publishLocked(c, latest, description == null ? "" : description, clock.instant());
        });
    }

    private FunctionVersion publishLocked(Connection c, FunctionVersion latest, String description, Instant now)
            throws SQLException {
        long number;
        try (PreparedStatement s = c.prepareStatement("SELECT next_version FROM functions WHERE name = ?")) {
            s.setString(1, latest.functionName());
            try (ResultSet rs = s.executeQuery()) {
                rs.next();
                number = rs.getLong(1);
            }
        }
        update(c, "UPDATE functions SET next_version = ? WHERE name = ?", number + 1, latest.functionName());
        VersionStatus status = latest.status().settling()
                ? latest.status() : VersionStatus.ready();
        FunctionVersion published = new FunctionVersion(latest.functionName(), number,
                latest.settings().withDescription(description), latest.code(), newRevision(), now, status);
        insertVersion(c, published);
        return published;
    }

    public FunctionRecord function(String name) throws RegistryException {
        return db.transaction(c -> functionRow(c, name).orElseThrow(() -> new RegistryException.FunctionNotFound(name)));
    }

    /**
     * The version a qualifier names: none or {@code $LATEST}, a version number, or an alias
     * (resolved to the version it points at).
     */
    public FunctionVersion resolve(String name, String qualifier) throws RegistryException {
        ResolveKey key = new ResolveKey(name, qualifier == null ? FunctionVersion.LATEST : qualifier);
        Database.Read<FunctionVersion> cached = resolved.getIfPresent(key);
        if (cached != null && cached.generation() == db.generation()) {
            return cached.value();
        }
        Database.Read<FunctionVersion> read = db.read(c -> resolveLocked(c, name, qualifier));
        resolved.put(key, read);
        return read.value();
    }

    /** A qualified name as Invoke and the read operations resolve it; {@code $LATEST} when none is given. */
    private record ResolveKey(String name, String qualifier) {}

    private FunctionVersion resolveLocked(Connection c, String name, String qualifier)
            throws SQLException, RegistryException {
        if (qualifier == null || qualifier.equals(FunctionVersion.LATEST)) {
            return latest(c, name);
        }
        if (isVersionNumber(qualifier)) {
            return version(c, name, Long.parseLong(qualifier));
        }
        Alias alias = aliasRow(c, name, qualifier);
        return resolveLocked(c, name, alias.functionVersion());
    }

    public Page<FunctionVersion> listFunctions(String marker, int maxItems, boolean allVersions)
            throws RegistryException {
        Cursor after = Cursor.decode(marker);
        return db.transaction(c -> {
            String sql = "SELECT " + VERSION_COLUMNS + " FROM versions WHERE (function_name > ? OR (function_name = ?"
                    + " AND version_number > ?))" + (allVersions ? "" : " AND version_number = 0")
                    + " ORDER BY function_name, version_number LIMIT ?";
            List<FunctionVersion> rows = queryVersions(c, sql, after.name(), after.name(), after.number(), maxItems + 1);
            return page(rows, maxItems);
        });
    }

    public Page<FunctionVersion> listVersions(String name, String marker, int maxItems) throws RegistryException {
        Cursor after = Cursor.decode(marker);
        return db.transaction(c -> {
            latest(c, name);
            List<FunctionVersion> rows = queryVersions(c, "SELECT " + VERSION_COLUMNS + " FROM versions WHERE"
                    + " function_name = ? AND version_number > ? ORDER BY version_number LIMIT ?",
                    name, after.number(), maxItems + 1);
            return page(rows, maxItems);
        });
    }

    private static Page<FunctionVersion> page(List<FunctionVersion> rows, int maxItems) {
        if (rows.size() <= maxItems) {
            return new Page<>(rows, Optional.empty());
        }
        List<FunctionVersion> items = rows.subList(0, maxItems);
        FunctionVersion last = items.getLast();
        return new Page<>(items, Optional.of(new Cursor(last.functionName(), last.number()).encode()));
    }

    /** Deletes the function with its versions, aliases, event invoke and provisioned concurrency configs. */
    public void deleteFunction(String name) throws RegistryException {
        boolean[] hadProvisioned = new boolean[1];
        List<String> shas = db.transaction(c -> {
            functionRow(c, name).orElseThrow(() -> new RegistryException.FunctionNotFound(name));
            List<String> codes = new ArrayList<>();
            for (FunctionVersion v : queryVersions(c, "SELECT " + VERSION_COLUMNS + " FROM versions WHERE function_name = ?", name)) {
                codes.add(v.code().sha256Hex());
            }
            hadProvisioned[0] = update(c, "DELETE FROM provisioned_concurrency WHERE function_name = ?", name) > 0;
            update(c, "DELETE FROM functions WHERE name = ?", name);
            return codes;
        }, codes -> eventInvokeConfigs.remove(name));
        shas.stream().distinct().forEach(this::collectGarbage);
        if (hadProvisioned[0]) {
            provisionedChanged();
        }
    }

    /** Deletes a published version and its event invoke and provisioned concurrency configs. */
    public void deleteVersion(String name, long number) throws RegistryException {
        boolean[] hadProvisioned = new boolean[1];
        String sha = db.transaction(c -> {
            FunctionVersion v = version(c, name, number);
            List<String> users = new ArrayList<>();
            try (PreparedStatement s = c.prepareStatement("SELECT name FROM aliases WHERE function_name = ? AND"
                    + " (function_version = ? OR routing LIKE ?) ORDER BY name")) {
                s.setString(1, name);
                s.setString(2, v.version());
                s.setString(3, "%\"" + v.version() + "\"%");
                try (ResultSet rs = s.executeQuery()) {
                    while (rs.next()) {
                        users.add(rs.getString(1));
                    }
                }
            }
            if (!users.isEmpty()) {
                throw new RegistryException.VersionInUse(users);
            }
            update(c, "DELETE FROM versions WHERE function_name = ? AND version_number = ?", name, number);
            hadProvisioned[0] = deleteQualifierConfigs(c, name, v.version());
            return v.code().sha256Hex();
        }, deleted -> forgetEventInvokeConfig(name, Long.toString(number)));
        collectGarbage(sha);
        if (hadProvisioned[0]) {
            provisionedChanged();
        }
    }

    /** Deletes what was configured for one qualifier; true if it had provisioned concurrency. */
    private static boolean deleteQualifierConfigs(Connection c, String name, String qualifier) throws SQLException {
        update(c, "DELETE FROM event_invoke_configs WHERE function_name = ? AND qualifier = ?", name, qualifier);
        return update(c, "DELETE FROM provisioned_concurrency WHERE function_name = ? AND qualifier = ?", name,
                qualifier) > 0;
    }

    // ---------------------------------------------------------------- code preparation

    /** Marks every version waiting for this package as Active and Successful. */
    public void codeReady(String name, String sha256Hex) throws RegistryException {
        settle(name, sha256Hex, VersionStatus.ready());
    }

    /** Marks every version waiting for this package as failed, with a reason a person understands. */
    public void codeFailed(String name, String sha256Hex, String reason) throws RegistryException {
        codeFailed(name, sha256Hex, reason, "InternalError");
    }

    /**
     * As {@link #codeFailed(String, String, String)}, with Lambda's StateReasonCode for the failure, e.g.
     * {@code InvalidImage}, {@code ImageAccessDenied} or {@code ImageDeleted}.
     */
    public void codeFailed(String name, String sha256Hex, String reason, String reasonCode) throws RegistryException {
        db.transaction(c -> {
            for (FunctionVersion v : waitingFor(c, name, sha256Hex)) {
                writeStatus(c, v, v.status().failed(reason, reasonCode));
            }
            return null;
        });
    }

    /**
     * The container image behind code {@code sha256Hex} of function {@code name}, if that code is an image: what the
     * server imports before the versions waiting for it can become Active.
     */
    public Optional<ContainerImage> containerImage(String name, String sha256Hex) throws RegistryException {
        return db.transaction(c -> queryVersions(c, "SELECT " + VERSION_COLUMNS + " FROM versions WHERE function_name = ?"
                + " AND code_sha256 = ? AND image IS NOT NULL LIMIT 1", name, sha256Hex).stream()
                .flatMap(v -> v.code().image().stream()).findFirst());
    }

    private void settle(String name, String sha256Hex, VersionStatus status) throws RegistryException {
        db.transaction(c -> {
            for (FunctionVersion v : waitingFor(c, name, sha256Hex)) {
                writeStatus(c, v, status);
            }
            return null;
        });
    }

    private static List<FunctionVersion> waitingFor(Connection c, String name, String sha) throws SQLException {
        return queryVersions(c, "SELECT " + VERSION_COLUMNS + " FROM versions WHERE function_name = ? AND code_sha256 = ?"
                + " AND (state = 'Pending' OR update_status = 'InProgress')", name, sha);
    }

    private static void writeStatus(Connection c, FunctionVersion v, VersionStatus s) throws SQLException {
        update(c, "UPDATE versions SET state = ?, state_reason = ?, state_reason_code = ?, update_status = ?,"
                + " update_reason = ?, update_reason_code = ? WHERE function_name = ? AND version_number = ?",
                s.state().name(), s.stateReason(), s.stateReasonCode(), s.lastUpdateStatus().name(),
                s.lastUpdateStatusReason(), s.lastUpdateStatusReasonCode(), v.functionName(), v.number());
    }

    /** Packages still waiting for preparation, e.g. after a restart that interrupted it. */
    public List<CodeRefOf> pendingCode() throws RegistryException {
        return db.transaction(c -> {
            List<CodeRefOf> out = new ArrayList<>();
            try (PreparedStatement s = c.prepareStatement("SELECT DISTINCT function_name, code_sha256 FROM versions"
                    + " WHERE state = 'Pending' OR update_status = 'InProgress'");
                 ResultSet rs = s.executeQuery()) {
                while (rs.next()) {
                    out.add(new CodeRefOf(rs.getString(1), rs.getString(2)));
                }
            }
            return out;
        });
    }

    public record CodeRefOf(String functionName, String sha256Hex) {}

    // ---------------------------------------------------------------- aliases

    public Alias createAlias(String name, String aliasName, String version, String description,
                             Map<String, Double> weights) throws RegistryException {
        return db.transaction(c -> {
            latest(c, name);
            requireVersions(c, name, version, weights);
            if (findAlias(c, name, aliasName).isPresent()) {
                throw new RegistryException.AliasExists(name, aliasName);
            }
            Alias alias = new Alias(name, aliasName, version, description == null ? "" : description, weights,
                    newRevision());
            update(c, "INSERT INTO aliases(function_name, name, function_version, description, routing, revision_id)"
                    + " VALUES (?, ?, ?, ?, ?, ?)", name, aliasName, version, alias.description(),
                    toJson(alias.additionalVersionWeights()), alias.revisionId());
            return alias;
        });
    }

    public Alias alias(String name, String aliasName) throws RegistryException {
        return db.transaction(c -> {
            latest(c, name);
            return aliasRow(c, name, aliasName);
        });
    }

    /** Null arguments keep the current value, as UpdateAlias does. */
    public Alias updateAlias(String name, String aliasName, String version, String description,
                             Map<String, Double> weights, String expectedRevision) throws RegistryException {
        boolean[] repointed = new boolean[1];
        Alias updated = db.transaction(c -> {
            latest(c, name);
            Alias current = aliasRow(c, name, aliasName);
            if (expectedRevision != null && !expectedRevision.equals(current.revisionId())) {
                throw new RegistryException.RevisionMismatch("GetAlias");
            }
            Alias next = new Alias(name, aliasName, version == null ? current.functionVersion() : version,
                    description == null ? current.description() : description,
                    weights == null ? current.additionalVersionWeights() : weights, newRevision());
            requireVersions(c, name, next.functionVersion(), next.additionalVersionWeights());
            repointed[0] = !next.functionVersion().equals(current.functionVersion())
                    && repointProvisioned(c, name, aliasName, next.functionVersion());
            update(c, "UPDATE aliases SET function_version = ?, description = ?, routing = ?, revision_id = ?"
                    + " WHERE function_name = ? AND name = ?", next.functionVersion(), next.description(),
                    toJson(next.additionalVersionWeights()), next.revisionId(), name, aliasName);
            return next;
        });
        if (repointed[0]) {
            provisionedChanged();
        }
        return updated;
    }

    /**
     * An alias with provisioned concurrency now points to {@code version}: its environments must be
     * prepared again for that version, so the config starts over. Refused where a put would be.
     * Returns whether the alias had provisioned concurrency.
     */
    private static boolean repointProvisioned(Connection c, String name, String aliasName, String version)
            throws SQLException, RegistryException {
        if (findProvisioned(c, name, aliasName).isEmpty()) {
            return false;
        }
        if (version.equals(FunctionVersion.LATEST)) {
            throw new RegistryException.InvalidRequest(UNPUBLISHED);
        }
        if (findProvisioned(c, name, version).isPresent()) {
            throw new RegistryException.ConfigurationConflict("Alias can't be used for Provisioned Concurrency"
                    + " configuration on an already Provisioned version");
        }
        update(c, "UPDATE provisioned_concurrency SET allocated = 0, status = ?, status_reason = NULL"
                + " WHERE function_name = ? AND qualifier = ?", ProvisionedStatus.IN_PROGRESS.name(), name, aliasName);
        return true;
    }

    /** Deletes the alias and its event invoke and provisioned concurrency configs. */
    public void deleteAlias(String name, String aliasName) throws RegistryException {
        boolean hadProvisioned = db.transaction(c -> {
            latest(c, name);
            // Lambda answers 204 whether or not the alias existed.
            update(c, "DELETE FROM aliases WHERE function_name = ? AND name = ?", name, aliasName);
            return deleteQualifierConfigs(c, name, aliasName);
        }, had -> forgetEventInvokeConfig(name, aliasName));
        if (hadProvisioned) {
            provisionedChanged();
        }
    }

    public Page<Alias> listAliases(String name, String versionFilter, String marker, int maxItems)
            throws RegistryException {
        String after = marker == null ? "" : Cursor.decode(marker).name();
        return db.transaction(c -> {
            latest(c, name);
            List<Alias> rows = new ArrayList<>();
            try (PreparedStatement s = c.prepareStatement("SELECT function_name, name, function_version, description,"
                    + " routing, revision_id FROM aliases WHERE function_name = ? AND name > ?"
                    + (versionFilter == null ? "" : " AND function_version = ?") + " ORDER BY name LIMIT ?")) {
                int i = 1;
                s.setString(i++, name);
                s.setString(i++, after);
                if (versionFilter != null) {
                    s.setString(i++, versionFilter);
                }
                s.setInt(i, maxItems + 1);
                try (ResultSet rs = s.executeQuery()) {
                    while (rs.next()) {
                        rows.add(aliasFrom(rs));
                    }
                }
            }
            if (rows.size() <= maxItems) {
                return new Page<>(rows, Optional.empty());
            }
            List<Alias> items = rows.subList(0, maxItems);
            return new Page<>(items, Optional.of(new Cursor(items.getLast().name(), 0).encode()));
        });
    }

    private void requireVersions(Connection c, String name, String version, Map<String, Double> weights)
            throws SQLException, RegistryException {
        for (String v : concat(version, weights.keySet())) {
            if (!v.equals(FunctionVersion.LATEST)) {
                if (!isVersionNumber(v)) {
                    throw new RegistryException.InvalidRequest("Alias can only point to a version number or $LATEST, not "
                            + v + ".");
                }
                version(c, name, Long.parseLong(v));
            }
        }
    }

    private static List<String> concat(String first, Set<String> rest) {
        List<String> all = new ArrayList<>(rest);
        all.addFirst(first);
        return all;
    }

    // ---------------------------------------------------------------- concurrency and tags

    public int putReservedConcurrency(String name, int reserved) throws RegistryException {
        return db.transaction(c -> {
            FunctionRecord f = functionRow(c, name).orElseThrow(() -> new RegistryException.FunctionNotFound(name));
            int provisioned = provisionedTotal(c, name, null);
            if (reserved < provisioned) {
                throw new RegistryException.InvalidRequest("Specified ReservedConcurrentExecutions for function ("
                        + reserved + ") is less than the function's total provisioned concurrency (" + provisioned
                        + "). Lower or delete its provisioned concurrency configurations first.");
            }
            int others = reservedTotal(c) - f.reservedConcurrency().orElse(0);
            int othersProvisioned = provisionedOutsideReservations(c)
                    - (f.reservedConcurrency().isPresent() ? 0 : provisioned);
            if (limits.accountLimit() - others - othersProvisioned - reserved < limits.minimumUnreserved()) {
                throw new RegistryException.InvalidRequest("Specified ReservedConcurrentExecutions for function"
                        + " decreases account's UnreservedConcurrentExecution below its minimum value of ["
                        + limits.minimumUnreserved() + "].");
            }
            update(c, "UPDATE functions SET reserved_concurrency = ? WHERE name = ?", reserved, name);
            return reserved;
        });
    }

    public void deleteReservedConcurrency(String name) throws RegistryException {
        db.transaction(c -> {
            functionRow(c, name).orElseThrow(() -> new RegistryException.FunctionNotFound(name));
            update(c, "UPDATE functions SET reserved_concurrency = NULL WHERE name = ?", name);
            return null;
        });
    }

    /** Every function's reserved concurrency, for the counter that enforces them. */
    public Map<String, Integer> reservedConcurrency() throws RegistryException {
        return db.transaction(c -> {
            Map<String, Integer> reserved = new HashMap<>();
            try (PreparedStatement s = c.prepareStatement(
                    "SELECT name, reserved_concurrency FROM functions WHERE reserved_concurrency IS NOT NULL");
                 ResultSet rs = s.executeQuery()) {
                while (rs.next()) {
                    reserved.put(rs.getString(1), rs.getInt(2));
                }
            }
            return reserved;
        });
    }

    public void tag(String name, Map<String, String> tags, int maxTags) throws RegistryException {
        db.transaction(c -> {
            FunctionRecord f = functionRow(c, name).orElseThrow(() -> new RegistryException.FunctionNotFound(name));
            Map<String, String> merged = new HashMap<>(f.tags());
            merged.putAll(tags);
            if (merged.size() > maxTags) {
                throw new RegistryException.InvalidRequest("Number of tags exceeds resource tag limit. A function can"
                        + " have at most " + maxTags + " tags; this request would leave " + merged.size() + ".");
            }
            update(c, "UPDATE functions SET tags = ? WHERE name = ?", toJson(merged), name);
            return null;
        });
    }

    public void untag(String name, Set<String> keys) throws RegistryException {
        db.transaction(c -> {
            FunctionRecord f = functionRow(c, name).orElseThrow(() -> new RegistryException.FunctionNotFound(name));
            Map<String, String> left = new HashMap<>(f.tags());
            left.keySet().removeAll(keys);
            update(c, "UPDATE functions SET tags = ? WHERE name = ?", toJson(left), name);
            return null;
        });
    }

    public Usage usage() throws RegistryException {
        return db.transaction(c -> {
            long size;
            long count;
            try (PreparedStatement s = c.prepareStatement("SELECT COALESCE(SUM(code_size), 0) FROM"
                    + " (SELECT DISTINCT code_sha256, code_size FROM versions)"); ResultSet rs = s.executeQuery()) {
                size = rs.getLong(1);
            }
            try (PreparedStatement s = c.prepareStatement("SELECT COUNT(*) FROM functions"); ResultSet rs = s.executeQuery()) {
                count = rs.getLong(1);
            }
            return new Usage(size, count, reservedTotal(c), provisionedOutsideReservations(c));
        });
    }

    private static int reservedTotal(Connection c) throws SQLException {
        try (PreparedStatement s = c.prepareStatement("SELECT COALESCE(SUM(reserved_concurrency), 0) FROM functions");
             ResultSet rs = s.executeQuery()) {
            return rs.getInt(1);
        }
    }

    // ---------------------------------------------------------------- event invoke configs

    /**
     * The event invoke config of exactly this qualifier ({@code $LATEST} when null), for the async
     * dispatcher: read from memory, never waits for the database. An alias's config is found under the
     * alias name, not under the version it points to.
     */
    public Optional<EventInvokeConfig> eventInvokeConfig(String functionName, String qualifier) {
        Map<String, EventInvokeConfig> ofFunction = eventInvokeConfigs.get(functionName);
        return ofFunction == null ? Optional.empty()
                : Optional.ofNullable(ofFunction.get(qualifier == null ? FunctionVersion.LATEST : qualifier));
    }

    /** PutFunctionEventInvokeConfig: replaces the whole config; members not given are unset. */
    public EventInvokeConfig putEventInvokeConfig(String name, String qualifier, EventInvokeSettings settings)
            throws RegistryException {
        return changeEventInvokeConfig(name, qualifier, current -> settings, false);
    }

    /** UpdateFunctionEventInvokeConfig: {@code change} merges into the existing config, which must exist. */
    public EventInvokeConfig updateEventInvokeConfig(String name, String qualifier,
                                                     UnaryOperator<EventInvokeSettings> change) throws RegistryException {
        return changeEventInvokeConfig(name, qualifier, change, true);
    }

    private EventInvokeConfig changeEventInvokeConfig(String name, String qualifier,
                                                      UnaryOperator<EventInvokeSettings> change, boolean mustExist)
            throws RegistryException {
        String q = qualifier == null ? FunctionVersion.LATEST : qualifier;
        return db.transaction(c -> {
            resolveLocked(c, name, q);
            Optional<EventInvokeConfig> current = findEventInvokeConfig(c, name, q);
            if (mustExist && current.isEmpty()) {
                throw new RegistryException.EventInvokeConfigNotFound(name, q);
            }
            EventInvokeSettings s = change.apply(current.map(EventInvokeConfig::settings).orElse(EventInvokeSettings.NONE));
            EventInvokeConfig next = new EventInvokeConfig(name, q, s.maximumRetryAttempts(), s.maximumEventAgeSeconds(),
                    s.onSuccess(), s.onFailure(), clock.instant());
            update(c, "INSERT OR REPLACE INTO event_invoke_configs(" + EVENT_INVOKE_COLUMNS
                    + ") VALUES (?, ?, ?, ?, ?, ?, ?)", name, q, boxed(next.maximumRetryAttempts()),
                    boxed(next.maximumEventAgeSeconds()), next.onSuccess().orElse(null), next.onFailure().orElse(null),
                    next.lastModified().toString());
            return next;
        }, this::rememberEventInvokeConfig);
    }

    /** GetFunctionEventInvokeConfig: the config, or why there is none (function, qualifier or config missing). */
    public EventInvokeConfig getEventInvokeConfig(String name, String qualifier) throws RegistryException {
        String q = qualifier == null ? FunctionVersion.LATEST : qualifier;
        return db.transaction(c -> {
            resolveLocked(c, name, q);
            return findEventInvokeConfig(c, name, q).orElseThrow(
                    () -> new RegistryException.EventInvokeConfigNotFound(name, q));
        });
    }

    public void deleteEventInvokeConfig(String name, String qualifier) throws RegistryException {
        String q = qualifier == null ? FunctionVersion.LATEST : qualifier;
        db.transaction(c -> {
            resolveLocked(c, name, q);
            if (update(c, "DELETE FROM event_invoke_configs WHERE function_name = ? AND qualifier = ?", name, q) == 0) {
                throw new RegistryException.EventInvokeConfigNotFound(name, q);
            }
            return null;
        }, deleted -> forgetEventInvokeConfig(name, q));
    }

    /** A function's configs in qualifier order. */
    public Page<EventInvokeConfig> listEventInvokeConfigs(String name, String marker, int maxItems)
            throws RegistryException {
        String after = marker == null ? "" : Cursor.decode(marker).name();
        return db.transaction(c -> {
            latest(c, name);
            List<EventInvokeConfig> rows = queryEventInvokeConfigs(c, "SELECT " + EVENT_INVOKE_COLUMNS
                    + " FROM event_invoke_configs WHERE function_name = ? AND qualifier > ? ORDER BY qualifier LIMIT ?",
                    name, after, maxItems + 1);
            if (rows.size() <= maxItems) {
                return new Page<>(rows, Optional.empty());
            }
            List<EventInvokeConfig> items = rows.subList(0, maxItems);
            return new Page<>(items, Optional.of(new Cursor(items.getLast().qualifier(), 0).encode()));
        });
    }

    /** Runs on the database thread after a commit (see {@link #eventInvokeConfigs}). */
    private void rememberEventInvokeConfig(EventInvokeConfig config) {
        eventInvokeConfigs.compute(config.functionName(), (name, current) -> {
            Map<String, EventInvokeConfig> next = current == null ? new HashMap<>() : new HashMap<>(current);
            next.put(config.qualifier(), config);
            return Map.copyOf(next);
        });
    }

    /** Runs on the database thread after a commit (see {@link #eventInvokeConfigs}). */
    private void forgetEventInvokeConfig(String name, String qualifier) {
        eventInvokeConfigs.computeIfPresent(name, (n, current) -> {
            Map<String, EventInvokeConfig> next = new HashMap<>(current);
            next.remove(qualifier);
            return next.isEmpty() ? null : Map.copyOf(next);
        });
    }

    private static Optional<EventInvokeConfig> findEventInvokeConfig(Connection c, String name, String qualifier)
            throws SQLException {
        return queryEventInvokeConfigs(c, "SELECT " + EVENT_INVOKE_COLUMNS + " FROM event_invoke_configs"
                + " WHERE function_name = ? AND qualifier = ?", name, qualifier).stream().findFirst();
    }

    private static List<EventInvokeConfig> queryEventInvokeConfigs(Connection c, String sql, Object... args)
            throws SQLException {
        try (PreparedStatement s = c.prepareStatement(sql)) {
            bind(s, args);
            List<EventInvokeConfig> out = new ArrayList<>();
            try (ResultSet rs = s.executeQuery()) {
                while (rs.next()) {
                    out.add(new EventInvokeConfig(rs.getString(1), rs.getString(2), optionalInt(rs, 3), optionalInt(rs, 4),
                            Optional.ofNullable(rs.getString(5)), Optional.ofNullable(rs.getString(6)),
                            Instant.parse(rs.getString(7))));
                }
            }
            return out;
        }
    }

    // ---------------------------------------------------------------- provisioned concurrency

    /**
     * Told after every change to which environments should be kept prepared: a put or delete, a deleted
     * function, version or alias that had a config, an alias with a config now pointing elsewhere. Runs on
     * the thread that made the change, after its commit; it should only wake the reconciler.
     */
    public void addProvisionedConcurrencyListener(Runnable onChange) {
        provisionedListeners.add(onChange);
    }

    private void provisionedChanged() {
        for (Runnable listener : provisionedListeners) {
            try {
                listener.run();
            } catch (RuntimeException e) {
                log.warn("provisioned concurrency listener failed: {}", e.toString());
            }
        }
    }

    /**
     * PutProvisionedConcurrencyConfig, with Lambda's checks: a published version or an alias to one; not
     * both an alias and the version it points to; within the function's reservation if it has one, else
     * leaving the account's unreserved minimum. The config starts IN_PROGRESS with nothing allocated.
     */
    public ProvisionedConcurrency putProvisionedConcurrency(String name, String qualifier, int requested)
            throws RegistryException {
        ProvisionedConcurrency put = db.transaction(c -> {
            FunctionRecord f = functionRow(c, name).orElseThrow(() -> new RegistryException.FunctionNotFound(name));
            String resolved = provisionableVersion(c, name, qualifier);
            if (isVersionNumber(qualifier)) {
                try (PreparedStatement s = c.prepareStatement("SELECT 1 FROM provisioned_concurrency p JOIN aliases a"
                        + " ON a.function_name = p.function_name AND a.name = p.qualifier"
                        + " WHERE p.function_name = ? AND a.function_version = ? LIMIT 1")) {
                    bind(s, name, qualifier);
                    try (ResultSet rs = s.executeQuery()) {
                        if (rs.next()) {
                            throw new RegistryException.ConfigurationConflict(
                                    "Version is pointed by a Provisioned Concurrency alias");
                        }
                    }
                }
            } else if (findProvisioned(c, name, resolved).isPresent()) {
                throw new RegistryException.ConfigurationConflict("Alias can't be used for Provisioned Concurrency"
                        + " configuration on an already Provisioned version");
            }
            int othersOfFunction = provisionedTotal(c, name, qualifier);
            if (f.reservedConcurrency().isPresent()) {
                if (othersOfFunction + requested > f.reservedConcurrency().getAsInt()) {
                    throw new RegistryException.InvalidRequest("Requested Provisioned Concurrency should not be greater"
                            + " than the reservedConcurrentExecution for function");
                }
            } else {
                int current = findProvisioned(c, name, qualifier).map(ProvisionedConcurrency::requested).orElse(0);
                int unreserved = limits.accountLimit() - reservedTotal(c) - provisionedOutsideReservations(c)
                        + current - requested;
                if (unreserved < limits.minimumUnreserved()) {
                    throw new RegistryException.InvalidRequest("Specified ConcurrentExecutions for function decreases"
                            + " account's UnreservedConcurrentExecution below its minimum value of ["
                            + limits.minimumUnreserved() + "].");
                }
            }
            ProvisionedConcurrency config = new ProvisionedConcurrency(name, qualifier, resolved, requested, 0,
                    ProvisionedStatus.IN_PROGRESS, Optional.empty(), clock.instant());
            update(c, "INSERT OR REPLACE INTO provisioned_concurrency(function_name, qualifier, requested, allocated,"
                    + " status, status_reason, last_modified) VALUES (?, ?, ?, 0, ?, NULL, ?)", name, qualifier, requested,
                    config.status().name(), config.lastModified().toString());
            return config;
        });
        provisionedChanged();
        return put;
    }

    /** The version a provisioned concurrency qualifier stands for; refuses $LATEST and aliases of it. */
    private static String provisionableVersion(Connection c, String name, String qualifier)
            throws SQLException, RegistryException {
        if (qualifier == null || qualifier.equals(FunctionVersion.LATEST)) {
            throw new RegistryException.InvalidRequest(UNPUBLISHED);
        }
        if (isVersionNumber(qualifier)) {
            return version(c, name, Long.parseLong(qualifier)).version();
        }
        Alias alias = aliasRow(c, name, qualifier);
        if (alias.functionVersion().equals(FunctionVersion.LATEST)) {
            throw new RegistryException.InvalidRequest(UNPUBLISHED);
        }
        return alias.functionVersion();
    }

    /** GetProvisionedConcurrencyConfig: the config, or why there is none. */
    public ProvisionedConcurrency getProvisionedConcurrency(String name, String qualifier) throws RegistryException {
        return db.transaction(c -> {
            resolveLocked(c, name, qualifier);
            return findProvisioned(c, name, qualifier).orElseThrow(
                    () -> new RegistryException.ProvisionedConcurrencyNotFound(name, qualifier));
        });
    }

    /** The config of exactly this qualifier, if any; for the worker (no error when function or qualifier are gone). */
    public Optional<ProvisionedConcurrency> provisionedConcurrency(String functionName, String qualifier)
            throws RegistryException {
        return db.transaction(c -> findProvisioned(c, functionName, qualifier));
    }

    /** Every config of every function, for the worker's reconciler. */
    public List<ProvisionedConcurrency> provisionedConcurrency() throws RegistryException {
        return db.transaction(c -> queryProvisioned(c, "SELECT " + PROVISIONED_COLUMNS
                + " ORDER BY p.function_name, p.qualifier"));
    }

    /** DeleteProvisionedConcurrencyConfig; deleting a config that does not exist succeeds, as in Lambda. */
    public void deleteProvisionedConcurrency(String name, String qualifier) throws RegistryException {
        boolean deleted = db.transaction(c -> {
            resolveLocked(c, name, qualifier);
            return update(c, "DELETE FROM provisioned_concurrency WHERE function_name = ? AND qualifier = ?",
                    name, qualifier) > 0;
        });
        if (deleted) {
            provisionedChanged();
        }
    }

    public Page<ProvisionedConcurrency> listProvisionedConcurrency(String name, String marker, int maxItems)
            throws RegistryException {
        String after = marker == null ? "" : Cursor.decode(marker).name();
        return db.transaction(c -> {
            latest(c, name);
            List<ProvisionedConcurrency> rows = queryProvisioned(c, "SELECT " + PROVISIONED_COLUMNS
                    + " WHERE p.function_name = ? AND p.qualifier > ? ORDER BY p.qualifier LIMIT ?", name, after,
                    maxItems + 1);
            if (rows.size() <= maxItems) {
                return new Page<>(rows, Optional.empty());
            }
            List<ProvisionedConcurrency> items = rows.subList(0, maxItems);
            return new Page<>(items, Optional.of(new Cursor(items.getLast().qualifier(), 0).encode()));
        });
    }

    /**
     * The worker's progress on one config: how many environments of its resolved version are prepared.
     * Ignored if the config is gone (deleted while the worker was preparing).
     */
    public void reportProvisioned(String functionName, String qualifier, int allocated, ProvisionedStatus status,
                                  Optional<String> reason) throws RegistryException {
        db.transaction(c -> update(c, "UPDATE provisioned_concurrency SET allocated = ?, status = ?, status_reason = ?"
                + " WHERE function_name = ? AND qualifier = ?", allocated, status.name(), reason.orElse(null),
                functionName, qualifier));
    }

    private static Optional<ProvisionedConcurrency> findProvisioned(Connection c, String name, String qualifier)
            throws SQLException {
        return queryProvisioned(c, "SELECT " + PROVISIONED_COLUMNS + " WHERE p.function_name = ? AND p.qualifier = ?",
                name, qualifier).stream().findFirst();
    }

    private static List<ProvisionedConcurrency> queryProvisioned(Connection c, String sql, Object... args)
            throws SQLException {
        try (PreparedStatement s = c.prepareStatement(sql)) {
            bind(s, args);
            List<ProvisionedConcurrency> out = new ArrayList<>();
            try (ResultSet rs = s.executeQuery()) {
                while (rs.next()) {
                    out.add(new ProvisionedConcurrency(rs.getString(1), rs.getString(2), rs.getString(3), rs.getInt(4),
                            rs.getInt(5), ProvisionedStatus.valueOf(rs.getString(6)), Optional.ofNullable(rs.getString(7)),
                            Instant.parse(rs.getString(8))));
                }
            }
            return out;
        }
    }

    /** The function's requested provisioned concurrency, all qualifiers but {@code except} (null: all). */
    private static int provisionedTotal(Connection c, String name, String except) throws SQLException {
        try (PreparedStatement s = c.prepareStatement("SELECT COALESCE(SUM(requested), 0) FROM provisioned_concurrency"
                + " WHERE function_name = ? AND qualifier IS NOT ?")) {
            bind(s, name, except);
            try (ResultSet rs = s.executeQuery()) {
                return rs.getInt(1);
            }
        }
    }

    /** Provisioned concurrency of functions without a reservation: it comes out of the unreserved pool. */
    private static int provisionedOutsideReservations(Connection c) throws SQLException {
        try (PreparedStatement s = c.prepareStatement("SELECT COALESCE(SUM(p.requested), 0) FROM provisioned_concurrency p"
                + " JOIN functions f ON f.name = p.function_name WHERE f.reserved_concurrency IS NULL");
             ResultSet rs = s.executeQuery()) {
            return rs.getInt(1);
        }
    }

    private static OptionalInt optionalInt(ResultSet rs, int column) throws SQLException {
        int value = rs.getInt(column);
        return rs.wasNull() ? OptionalInt.empty() : OptionalInt.of(value);
    }

    private static Integer boxed(OptionalInt value) {
        return value.isPresent() ? value.getAsInt() : null;
    }

    // ---------------------------------------------------------------- code package lifecycle

    /** A hold on a code package that keeps garbage collection away from it; see {@link #holdCode}. */
    public interface CodeHold extends AutoCloseable {
        /** Releases the hold; the package goes if nothing references or holds it any more. Idempotent. */
        @Override
        void close();
    }

    /**
     * Keeps a package (and its unpacked tree) on disk while something outside the registry uses it, e.g. the
     * execution environments of a version whose code was just replaced: they run the old code until they retire.
     */
    public CodeHold holdCode(String sha256Hex) {
        pinned.merge(sha256Hex, 1, Integer::sum);
        java.util.concurrent.atomic.AtomicBoolean released = new java.util.concurrent.atomic.AtomicBoolean();
        return () -> {
            if (released.compareAndSet(false, true)) {
                pinned.computeIfPresent(sha256Hex, (k, n) -> n == 1 ? null : n - 1);
                collectGarbage(sha256Hex);
            }
        };
    }

    @FunctionalInterface
    private interface Commit<T> {
        T run() throws RegistryException;
    }

    /**
     * Copies the package into the code store (fsync included) on the caller's thread, so the
     * database thread never waits on a large file, then runs the transaction that references it.
     * While this runs the package is pinned: garbage collection leaves it alone even though no
     * row references it yet. If the transaction is refused, the package goes again unless
     * something else references it.
     */
    private <T> T withStoredCode(NewCode code, Commit<T> transaction) throws RegistryException {
        String sha = code.ref().sha256Hex();
        pinned.merge(sha, 1, Integer::sum);
        boolean committed = false;
        try {
            if (code instanceof StagedCode zip) {
                codeStore.put(zip.file(), zip.summary());
            }
            T result = transaction.run();
            committed = true;
            return result;
        } catch (IOException e) {
            throw new RegistryException.StorageFailure(e);
        } finally {
            pinned.computeIfPresent(sha, (k, n) -> n == 1 ? null : n - 1);
            if (!committed) {
                collectGarbage(sha);
            }
        }
    }

    /**
     * Deletes a package that no version references and no upload has pinned. Runs on the database
     * thread, so the check and the delete cannot interleave with a transaction that adds a reference.
     */
    private void collectGarbage(String sha256Hex) {
        try {
            db.transaction(c -> {
                if (unused(c, sha256Hex)) {
                    try {
                        codeStore.delete(sha256Hex);
                    } catch (IOException e) {
                        log.warn("could not delete unreferenced code package {}: {}", sha256Hex, e.toString());
                    }
                }
                return null;
            });
        } catch (RegistryException e) {
            log.warn("could not check code package {} for deletion: {}", sha256Hex, e.toString());
        }
    }

    /** No version references the package and nothing holds it. On the database thread. */
    private boolean unused(Connection c, String sha256Hex) throws SQLException {
        if (pinned.containsKey(sha256Hex)) {
            return false;
        }
        try (PreparedStatement s = c.prepareStatement("SELECT 1 FROM versions WHERE code_sha256 = ? LIMIT 1")) {
            s.setString(1, sha256Hex);
            try (ResultSet rs = s.executeQuery()) {
                return !rs.next();
            }
        }
    }

    /**
     * The SHA-256 (hex) of every package some version references or something holds ({@link #holdCode}, an upload
     * in progress): what data derived from code, such as its image in the chunk store, must keep. A package may gain a
     * reference right after this answers, so deleting what it leaves out goes through {@link #deleteIfCodeUnused}.
     */
    public Set<String> codeInUse() throws RegistryException {
        return db.transaction(c -> {
            Set<String> inUse = new HashSet<>(pinned.keySet());
            try (PreparedStatement s = c.prepareStatement("SELECT DISTINCT code_sha256 FROM versions");
                 ResultSet rs = s.executeQuery()) {
                while (rs.next()) {
                    inUse.add(rs.getString(1));
                }
            }
            return inUse;
        });
    }

    /** Data derived from a code package, deleted with {@link #deleteIfCodeUnused}. */
    @FunctionalInterface
    public interface DerivedData {
        /** @return whether something was deleted */
        boolean delete() throws IOException;
    }

    /**
     * Deletes {@code derived} if no version references package {@code sha256Hex} and nothing holds it. Runs on the
     * database thread, as {@link #collectGarbage} does, so the check and the delete cannot interleave with a
     * transaction that adds a reference: a version committed before it keeps the data, and one committed after it
     * finds the data gone. Keep {@code derived} short: every transaction waits for it.
     *
     * @return whether the package was unused and {@code derived} deleted something
     */
    public boolean deleteIfCodeUnused(String sha256Hex, DerivedData derived) throws RegistryException, IOException {
        try {
            return db.transaction(c -> {
                try {
                    return unused(c, sha256Hex) && derived.delete();
                } catch (IOException e) {
                    throw new UncheckedIOException(e);
                }
            });
        } catch (UncheckedIOException e) {
            throw e.getCause();
        }
    }

    // ---------------------------------------------------------------- rows

    private FunctionVersion changeableLatest(Connection c, String name, String expectedRevision)
            throws SQLException, RegistryException {
        FunctionVersion latest = latest(c, name);
        if (expectedRevision != null && !expectedRevision.equals(latest.revisionId())) {
            throw new RegistryException.RevisionMismatch("GetFunction");
        }
        if (latest.status().settling()) {
            throw new RegistryException.UpdateInProgress(name);
        }
        return latest;
    }

    private static FunctionVersion latest(Connection c, String name) throws SQLException, RegistryException {
        List<FunctionVersion> rows = queryVersions(c, "SELECT " + VERSION_COLUMNS + " FROM versions WHERE function_name = ?"
                + " AND version_number = 0", name);
        if (rows.isEmpty()) {
            throw new RegistryException.FunctionNotFound(name);
        }
        return rows.getFirst();
    }

    private static FunctionVersion version(Connection c, String name, long number) throws SQLException, RegistryException {
        List<FunctionVersion> rows = queryVersions(c, "SELECT " + VERSION_COLUMNS + " FROM versions WHERE function_name = ?"
                + " AND version_number = ?", name, number);
        if (rows.isEmpty()) {
            latest(c, name);
            throw new RegistryException.VersionNotFound(name, Long.toString(number));
        }
        return rows.getFirst();
    }

    private static Optional<FunctionVersion> newestPublished(Connection c, String name) throws SQLException {
        List<FunctionVersion> rows = queryVersions(c, "SELECT " + VERSION_COLUMNS + " FROM versions WHERE function_name = ?"
                + " AND version_number > 0 ORDER BY version_number DESC LIMIT 1", name);
        return rows.stream().findFirst();
    }

    private static void insertVersion(Connection c, FunctionVersion v) throws SQLException {
        VersionStatus s = v.status();
        update(c, "INSERT INTO versions(" + VERSION_COLUMNS + ") VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                v.functionName(), v.number(), toJson(v.settings()), v.code().sha256Hex(), v.code().size(),
                v.revisionId(), v.lastModified().toString(), s.state().name(), s.stateReason(), s.stateReasonCode(),
                s.lastUpdateStatus().name(), s.lastUpdateStatusReason(), s.lastUpdateStatusReasonCode(),
                v.code().image().map(Registry::toJson).orElse(null));
    }

    private static void replaceLatest(Connection c, FunctionVersion v) throws SQLException {
        update(c, "DELETE FROM versions WHERE function_name = ? AND version_number = 0", v.functionName());
        insertVersion(c, v);
    }

    private static List<FunctionVersion> queryVersions(Connection c, String sql, Object... args) throws SQLException {
        try (PreparedStatement s = c.prepareStatement(sql)) {
            bind(s, args);
            List<FunctionVersion> out = new ArrayList<>();
            try (ResultSet rs = s.executeQuery()) {
                while (rs.next()) {
                    out.add(new FunctionVersion(rs.getString(1), rs.getLong(2), fromJson(rs.getString(3), FunctionSettings.class),
                            new CodeRef(rs.getString(4), rs.getLong(5), Optional.ofNullable(rs.getString(14))
                                    .map(image -> fromJson(image, ContainerImage.class))),
                            rs.getString(6), Instant.parse(rs.getString(7)),
                            new VersionStatus(VersionStatus.State.valueOf(rs.getString(8)), rs.getString(9), rs.getString(10),
                                    VersionStatus.UpdateStatus.valueOf(rs.getString(11)), rs.getString(12), rs.getString(13))));
                }
            }
            return out;
        }
    }

    private static Optional<FunctionRecord> functionRow(Connection c, String name) throws SQLException {
        try (PreparedStatement s = c.prepareStatement("SELECT name, created_at, tags, reserved_concurrency FROM functions"
                + " WHERE name = ?")) {
            s.setString(1, name);
            try (ResultSet rs = s.executeQuery()) {
                if (!rs.next()) {
                    return Optional.empty();
                }
                int reserved = rs.getInt(4);
                OptionalInt r = rs.wasNull() ? OptionalInt.empty() : OptionalInt.of(reserved);
                return Optional.of(new FunctionRecord(rs.getString(1), Instant.parse(rs.getString(2)),
                        fromJson(rs.getString(3), STRING_MAP), r));
            }
        }
    }

    private static Alias aliasRow(Connection c, String name, String aliasName) throws SQLException, RegistryException {
        return findAlias(c, name, aliasName).orElseThrow(() -> new RegistryException.AliasNotFound(name, aliasName));
    }

    private static Optional<Alias> findAlias(Connection c, String name, String aliasName) throws SQLException {
        try (PreparedStatement s = c.prepareStatement("SELECT function_name, name, function_version, description, routing,"
                + " revision_id FROM aliases WHERE function_name = ? AND name = ?")) {
            s.setString(1, name);
            s.setString(2, aliasName);
            try (ResultSet rs = s.executeQuery()) {
                return rs.next() ? Optional.of(aliasFrom(rs)) : Optional.empty();
            }
        }
    }

    private static Alias aliasFrom(ResultSet rs) throws SQLException {
        String routing = rs.getString(5);
        return new Alias(rs.getString(1), rs.getString(2), rs.getString(3), rs.getString(4),
                routing == null ? Map.of() : fromJson(routing, WEIGHTS), rs.getString(6));
    }

    private static int update(Connection c, String sql, Object... args) throws SQLException {
        try (PreparedStatement s = c.prepareStatement(sql)) {
            bind(s, args);
            return s.executeUpdate();
        }
    }

    private static void bind(PreparedStatement s, Object... args) throws SQLException {
        for (int i = 0; i < args.length; i++) {
            s.setObject(i + 1, args[i]);
        }
    }

    static boolean isVersionNumber(String qualifier) {
        return !qualifier.isEmpty() && qualifier.length() < 19 && qualifier.chars().allMatch(ch -> ch >= '0' && ch <= '9');
    }

    private static String newRevision() {
        return UUID.randomUUID().toString();
    }

    private static String base64(String hex) {
        return Base64.getEncoder().encodeToString(java.util.HexFormat.of().parseHex(hex));
    }

    private static String toJson(Object value) {
        try {
            return json.writeValueAsString(value);
        } catch (JsonProcessingException e) {
            throw new IllegalStateException("registry value not serialisable", e);
        }
    }

    private static <T> T fromJson(String text, Class<T> type) {
        try {
            return json.readValue(text, type);
        } catch (JsonProcessingException e) {
            throw new IllegalStateException("corrupt registry row: " + e.getOriginalMessage(), e);
        }
    }

    private static <T> T fromJson(String text, TypeReference<T> type) {
        try {
            return json.readValue(text, type);
        } catch (JsonProcessingException e) {
            throw new IllegalStateException("corrupt registry row: " + e.getOriginalMessage(), e);
        }
    }

    /** A listing position: the last (function, version number) returned. Opaque base64url to clients. */
    private record Cursor(String name, long number) {
        static Cursor decode(String marker) throws RegistryException {
            if (marker == null || marker.isEmpty()) {
                return new Cursor("", -1);
            }
            try {
                String text = new String(Base64.getUrlDecoder().decode(marker), StandardCharsets.UTF_8);
                int cut = text.lastIndexOf('\n');
                return new Cursor(text.substring(0, cut), Long.parseLong(text.substring(cut + 1)));
            } catch (IllegalArgumentException | StringIndexOutOfBoundsException e) {
                throw new RegistryException.InvalidRequest("Invalid Marker: " + marker);
            }
        }

        String encode() {
            return Base64.getUrlEncoder().withoutPadding().encodeToString((name + "\n" + number).getBytes(StandardCharsets.UTF_8));
        }
    }

    @Override
    public void close() {
        db.close();
    }
}
