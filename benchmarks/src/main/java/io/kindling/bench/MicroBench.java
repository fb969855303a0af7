package io.kindling.bench;

import io.kindling.bench.micro.AssignmentPick;
import io.kindling.bench.micro.ChunkRead;
import io.kindling.bench.micro.RuntimeApiDispatch;
import io.kindling.bench.micro.SigV4Verify;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.regex.Pattern;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.results.Result;
import org.openjdk.jmh.results.RunResult;
import org.openjdk.jmh.results.format.ResultFormatType;
import org.openjdk.jmh.runner.Runner;
import org.openjdk.jmh.runner.format.OutputFormatFactory;
import org.openjdk.jmh.runner.options.Options;
import org.openjdk.jmh.runner.options.OptionsBuilder;
import org.openjdk.jmh.runner.options.TimeValue;
import org.openjdk.jmh.runner.options.VerboseMode;

/**
 * Figure 12: JMH micro benchmarks of four hot paths (package {@code io.kindling.bench.micro}), each beside a baseline
 * JMH measures in the same run: Runtime API routing and hand-off, a chunk read from memory and a chunk's decrypt and
 * verify, one SigV4 verification, and the assignment decision over 1, 64 and 1,000 warm environments.
 *
 * <p>Run in-process through JMH's {@link Runner}, which forks one JVM per benchmark with this JVM's class path and
 * arguments: started as {@code java -jar kindling-bench.jar}, the class path is the jar, whose manifest names the
 * libraries in {@code lib/}, so the fork finds JMH and Kindling the same way. JMH's own progress goes to stderr, its
 * JSON (with the JDK and JVM options) to {@code micro-jmh.json} beside {@code results.json}.
 */
final class MicroBench {
    private static final int FORKS = 1;

    /** One table row: a Kindling benchmark method and its baseline, with the {@code environments} param if any. */
    private record Pair(String id, String what, Class<?> benchmark, String method, String kindlingOp,
                        String baselineMethod, String baselineOp, String environments) {
        String key(String name) {
            return benchmark.getName() + "." + name + (environments == null ? "" : "@" + environments);
        }
    }

    private final BenchSettings settings;
    private final Path workDir;

    MicroBench(BenchSettings settings, Path workDir) {
        this.settings = settings;
        this.workDir = workDir;
    }

    void run(Report report) throws Exception {
        List<Pair> pairs = pairs();
        Files.createDirectories(settings.outDir());
        Options options = new OptionsBuilder()
                .include("^" + Pattern.quote(RuntimeApiDispatch.class.getPackageName() + ".") + ".*")
                .mode(Mode.AverageTime)
                .timeUnit(TimeUnit.NANOSECONDS)
                .forks(FORKS)
                .threads(1)
                .warmupIterations(settings.microWarmups())
                .warmupTime(TimeValue.milliseconds(settings.microWarmup().toMillis()))
                .measurementIterations(settings.microIterations())
                .measurementTime(TimeValue.milliseconds(settings.microIteration().toMillis()))
                // The forked JVM gets this JVM's arguments (bin/bench's included); logback's configuration is set as
                // a property at run time, so name it again (the micro benchmarks log nothing unless something fails).
                .jvmArgsAppend("-Dlogback.configurationFile=kindling-bench-logback.xml",
                        "-Dkindling.bench.requestLog=" + workDir.resolve("micro-requests.log"))
                .shouldFailOnError(true)
                .result(settings.outDir().resolve("micro-jmh.json").toString())
                .resultFormat(ResultFormatType.JSON)
                .build();
        RoundTripBench.progress("micro: " + pairs.size() + " JMH pairs, " + FORKS + " fork each, "
                + settings.microWarmups() + " × " + settings.microWarmup().toMillis() + " ms warm-up + "
                + settings.microIterations() + " × " + settings.microIteration().toMillis() + " ms measured");
        CpuPressure pressure = CpuPressure.start();
        Collection<RunResult> results = new Runner(options,
                OutputFormatFactory.createFormatInstance(System.err, VerboseMode.NORMAL)).run();
        Map<String, Result<?>> byKey = new HashMap<>();
        for (RunResult result : results) {
            String environments = result.getParams().getParam("environments");
            byKey.put(result.getParams().getBenchmark() + (environments == null ? "" : "@" + environments),
                    result.getPrimaryResult());
        }
        render(report, pairs, byKey, pressure.percentSinceStart());
    }

    private static List<Pair> pairs() {
        List<Pair> pairs = new ArrayList<>();
        pairs.add(new Pair("micro.runtime_api.route", "Runtime API routing: `GET /next` and `POST /{id}/response`",
                RuntimeApiDispatch.class, "route", "`RuntimeApiRoute.of` of both",
                "routeBaseline", "`HashMap.get` of one path, `String.split` of the other", null));
        pairs.add(new Pair("micro.runtime_api.hand_off", "Runtime API hand-off of one invocation",
                RuntimeApiDispatch.class, "handOff", "`RuntimeApiChannel`: deliver, `/next`, response",
                "handOffBaseline", "two `CompletableFuture`s made and completed", null));
        pairs.add(new Pair("micro.chunk.memory_hit", "Chunk read, memory tier hit (512 KiB chunk)",
                ChunkRead.class, "memoryHit", "`ChunkCache.plaintext`", "memoryHitBaseline",
                "`ConcurrentHashMap.get` of the same `ChunkRef`", null));
        pairs.add(new Pair("micro.chunk.decrypt_verify", "Chunk decrypt + verify, 512 KiB",
                ChunkRead.class, "decryptVerify", "`ConvergentEncryption.decrypt`", "sha256",
                "one SHA-256 of the chunk (JDK `MessageDigest`)", null));
        pairs.add(new Pair("micro.sigv4.verify", "SigV4 verification of one signed GET", SigV4Verify.class,
                "verify", "`SigV4Verifier.verify`", "hmacBaseline", "one HmacSHA256 of its string to sign (`javax.crypto`)",
                null));
        for (String environments : List.of("1", "64", "1000")) {
            pairs.add(new Pair("micro.assignment.pick_idle." + environments, "Assignment: pick a warm environment of "
                    + String.format(Locale.ROOT, "%,d", Integer.parseInt(environments)), AssignmentPick.class,
                    "pickIdle", "`EnvironmentPool.pickIdle`", "dequeBaseline", "`ArrayDeque` poll + offerFirst",
                    environments));
        }
        return pairs;
    }

    private void render(Report report, List<Pair> pairs, Map<String, Result<?>> byKey, double cpuPressure) {
        Report.Table table = report.table("12. Micro benchmarks of hot paths (JMH) beside a baseline each",
                "JMH 1.37 in " + FORKS + " forked JVM per benchmark (this JVM's class path and options), average time per "
                        + "operation on one thread after " + settings.microWarmups() + " warm-up iteration(s) of "
                        + settings.microWarmup().toMillis() + " ms, " + settings.microIterations() + " measured iterations of "
                        + settings.microIteration().toMillis() + " ms; ± is JMH's 99.9% confidence interval ("
                        + (settings.microIterations() < 3 ? "JMH gives none for fewer than 3 iterations, as here; "
                                + "with a warm-up this short the slow operations are still partly interpreted, so "
                                + "quote the full run" : "over the measured iterations") + "). "
                        + "**Runtime API**: routing both requests of an invocation (`RuntimeApiRoute.of`, the handler's "
                        + "first step) and the hand-off through one environment's `RuntimeApiChannel` (the worker "
                        + "delivers, the runtime's `/next` finds it queued, its response completes the worker's future), "
                        + "without HTTP. **Chunk read**: a 512 KiB chunk of random bytes read from `ChunkCache`'s memory "
                        + "tier, and decrypted and verified as every disk or origin read is (SHA-256 of the ciphertext, "
                        + "AES-256-CTR, SHA-256 of the plaintext); no file is read. **SigV4**: `SigV4Verifier.verify` of "
                        + "a `GetFunctionConfiguration` signed as the SDK v2 signs it (four signed headers, empty body): "
                        + "parse, checks, canonical request and its hash, four HMACs to derive the key and one for the "
                        + "signature. **Assignment**: `EnvironmentPool.pickIdle` over snapshots of N warm environments "
                        + "of one function (built once; the worker builds them on each pick under its lock).",
                "path", "Kindling op", "Kindling", "baseline op", "baseline", "Kindling ÷ baseline");
        for (Pair pair : pairs) {
            Result<?> kindling = result(byKey, pair.key(pair.method()));
            Result<?> baseline = result(byKey, pair.key(pair.baselineMethod()));
            report.figure(pair.id(), pair.what() + ": " + pair.kindlingOp(), values(kindling));
            report.figure(pair.id() + ".baseline", pair.what() + ": " + pair.baselineOp() + " (baseline)", values(baseline));
            double ratio = report.ratio(pair.id(), pair.id() + ".baseline", "mean_ns", kindling.getScore(),
                    baseline.getScore());
            table.row(pair.what(), pair.kindlingOp(), nanos(kindling), pair.baselineOp(), nanos(baseline),
                    Format.ratio(ratio));
        }
        table.note("No budget: these are for comparing runs (A/B on one machine), and for seeing which part of a path "
                + "is the cost. Single-threaded, so locks are never contended; the worker's hot paths also pay "
                + "for what is around them (HTTP, the pool lock, page faults), which figures 7–11 measure.");
        table.note("CPU pressure during this section: " + CpuPressure.describe(cpuPressure) + ".");
        report.runFact("cpu_pressure_pct.micro", cpuPressure);
    }

    private static Result<?> result(Map<String, Result<?>> byKey, String key) {
        Result<?> result = byKey.get(key);
        if (result == null) {
            throw new IllegalStateException("JMH returned no result for " + key + " (results: " + byKey.keySet() + ")");
        }
        return result;
    }

    private static Map<String, Object> values(Result<?> result) {
        Map<String, Object> values = new LinkedHashMap<>();
        values.put("mean_ns", result.getScore());
        values.put("error_ns", Double.isNaN(result.getScoreError()) ? null : result.getScoreError());
        values.put("unit", result.getScoreUnit());
        values.put("mode", "avgt");
        values.put("iterations", result.getSampleCount());
        return values;
    }

    /** {@code 123 ± 4 ns}: JMH's score and error in ns/op, three significant digits. */
    static String nanos(Result<?> result) {
        String value = significant(result.getScore());
        return Double.isNaN(result.getScoreError()) ? value + " ns"
                : value + " ± " + significant(result.getScoreError()) + " ns";
    }

    private static String significant(double value) {
        if (value < 10) {
            return String.format(Locale.ROOT, "%.2f", value);
        } else if (value < 100) {
            return String.format(Locale.ROOT, "%.1f", value);
        }
        return String.format(Locale.ROOT, "%,.0f", value);
    }
}
