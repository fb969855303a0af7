package io.kindling.registry;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.type.TypeReference;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.kindling.chunks.CodeStore;
import io.kindling.chunks.PackageSummary;
import io.kindling.wire.LambdaJson;
import java.io.IOException;
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
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalInt;
import java.util.Set;
import java.util.UUID;
import java.util.function.UnaryOperator;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Functions, versions, aliases, tags and reserved concurrency: the control plane's state.
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
    private static final String VERSION_COLUMNS = "function_name, version_number, settings, code_sha256, code_size,"
            + " revision_id, last_modified, state, state_reason, state_reason_code, update_status, update_reason,"
            + " update_reason_code";

    /** Told when a version's code needs preparing before the version can become Active. */
    @FunctionalInterface
    public interface CodeListener {
        void codePending(String functionName, String sha256Hex);
    }

    /** An inspected package waiting in a temporary file to be committed with the version that uses it. */
    public record StagedCode(Path file, PackageSummary summary) {
        CodeRef ref() {
            return new CodeRef(summary.sha256Hex(), summary.zippedSize());
        }
    }

    /** Account-wide concurrency: the limit, and how much of it must stay unreserved (Lambda: 100). */
    public record ConcurrencyLimits(int accountLimit, int minimumUnreserved) {}

    public record Usage(long totalCodeSize, long functionCount, int reservedConcurrency) {}

    private final Database db;
    private final CodeStore codeStore;
    private final Clock clock;
    private final ConcurrencyLimits limits;
    private volatile CodeListener listener = (name, sha) -> {};
    /** Packages being stored by an upload whose transaction has not finished: sha256 hex → uploads. */
    private final java.util.concurrent.ConcurrentHashMap<String, Integer> pinned = new java.util.concurrent.ConcurrentHashMap<>();

    public Registry(Path databaseFile, CodeStore codeStore, Clock clock, ConcurrencyLimits limits) throws RegistryException {
        try {
            this.db = new Database(databaseFile);
        } catch (SQLException e) {
            throw new RegistryException.StorageFailure(e);
        }
        this.codeStore = codeStore;
        this.clock = clock;
        this.limits = limits;
    }

    public void onCodePending(CodeListener codeListener) {
        this.listener = codeListener;
    }

    public ConcurrencyLimits limits() {
        return limits;
    }

    // ---------------------------------------------------------------- functions and versions

    /** Creates the function with its $LATEST; with {@code publish} also version 1, which is returned. */
    public FunctionVersion createFunction(String name, FunctionSettings settings, StagedCode code,
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

    public FunctionVersion updateCode(String name, StagedCode code, String expectedRevision, boolean publish)
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
        return db.transaction(c -> resolveLocked(c, name, qualifier));
    }

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

    public void deleteFunction(String name) throws RegistryException {
        List<String> shas = db.transaction(c -> {
            functionRow(c, name).orElseThrow(() -> new RegistryException.FunctionNotFound(name));
            List<String> codes = new ArrayList<>();
            for (FunctionVersion v : queryVersions(c, "SELECT " + VERSION_COLUMNS + " FROM versions WHERE function_name = ?", name)) {
                codes.add(v.code().sha256Hex());
            }
            update(c, "DELETE FROM functions WHERE name = ?", name);
            return codes;
        });
        shas.stream().distinct().forEach(this::collectGarbage);
    }

    public void deleteVersion(String name, long number) throws RegistryException {
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
            return v.code().sha256Hex();
        });
        collectGarbage(sha);
    }

    // ---------------------------------------------------------------- code preparation

    /** Marks every version waiting for this package as Active and Successful. */
    public void codeReady(String name, String sha256Hex) throws RegistryException {
        settle(name, sha256Hex, VersionStatus.ready());
    }

    /** Marks every version waiting for this package as failed, with a reason a person understands. */
    public void codeFailed(String name, String sha256Hex, String reason) throws RegistryException {
        db.transaction(c -> {
            for (FunctionVersion v : waitingFor(c, name, sha256Hex)) {
                writeStatus(c, v, v.status().failed(reason, "InternalError"));
            }
            return null;
        });
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
        return db.transaction(c -> {
            latest(c, name);
            Alias current = aliasRow(c, name, aliasName);
            if (expectedRevision != null && !expectedRevision.equals(current.revisionId())) {
                throw new RegistryException.RevisionMismatch("GetAlias");
            }
            Alias next = new Alias(name, aliasName, version == null ? current.functionVersion() : version,
                    description == null ? current.description() : description,
                    weights == null ? current.additionalVersionWeights() : weights, newRevision());
            requireVersions(c, name, next.functionVersion(), next.additionalVersionWeights());
            update(c, "UPDATE aliases SET function_version = ?, description = ?, routing = ?, revision_id = ?"
                    + " WHERE function_name = ? AND name = ?", next.functionVersion(), next.description(),
                    toJson(next.additionalVersionWeights()), next.revisionId(), name, aliasName);
            return next;
        });
    }

    public void deleteAlias(String name, String aliasName) throws RegistryException {
        db.transaction(c -> {
            latest(c, name);
            // Lambda answers 204 whether or not the alias existed.
            update(c, "DELETE FROM aliases WHERE function_name = ? AND name = ?", name, aliasName);
            return null;
        });
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
            int others = reservedTotal(c) - f.reservedConcurrency().orElse(0);
            if (limits.accountLimit() - others - reserved < limits.minimumUnreserved()) {
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
            return new Usage(size, count, reservedTotal(c));
        });
    }

    private static int reservedTotal(Connection c) throws SQLException {
        try (PreparedStatement s = c.prepareStatement("SELECT COALESCE(SUM(reserved_concurrency), 0) FROM functions");
             ResultSet rs = s.executeQuery()) {
            return rs.getInt(1);
        }
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
    private <T> T withStoredCode(StagedCode code, Commit<T> transaction) throws RegistryException {
        String sha = code.ref().sha256Hex();
        pinned.merge(sha, 1, Integer::sum);
        boolean committed = false;
        try {
            codeStore.put(code.file(), code.summary());
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
                if (pinned.containsKey(sha256Hex)) {
                    return null;
                }
                try (PreparedStatement s = c.prepareStatement("SELECT 1 FROM versions WHERE code_sha256 = ? LIMIT 1")) {
                    s.setString(1, sha256Hex);
                    try (ResultSet rs = s.executeQuery()) {
                        if (!rs.next()) {
                            codeStore.delete(sha256Hex);
                        }
                    }
                } catch (IOException e) {
                    log.warn("could not delete unreferenced code package {}: {}", sha256Hex, e.toString());
                }
                return null;
            });
        } catch (RegistryException e) {
            log.warn("could not check code package {} for deletion: {}", sha256Hex, e.toString());
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
        update(c, "INSERT INTO versions(" + VERSION_COLUMNS + ") VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                v.functionName(), v.number(), toJson(v.settings()), v.code().sha256Hex(), v.code().size(),
                v.revisionId(), v.lastModified().toString(), s.state().name(), s.stateReason(), s.stateReasonCode(),
                s.lastUpdateStatus().name(), s.lastUpdateStatusReason(), s.lastUpdateStatusReasonCode());
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
                            new CodeRef(rs.getString(4), rs.getLong(5)), rs.getString(6), Instant.parse(rs.getString(7)),
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
