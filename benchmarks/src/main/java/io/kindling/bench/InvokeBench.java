package io.kindling.bench;

import io.kindling.assignment.LifecycleSettings;
import io.kindling.server.KindlingServer;
import io.kindling.server.ServerConfig;
import io.kindling.server.WorkerConfig;
import io.kindling.worker.sandbox.BubblewrapConfig;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import software.amazon.awssdk.services.lambda.LambdaClient;

/**
 * Figures 7 and 8: invokes through a real Kindling node running real sandboxes, and the invoke budgets, for the
 * {@code provided.al2023} runtimes of {@link ProvidedBootstraps} and the {@code java21} one of {@link JavaEcho}. Two
 * servers one after the other, each with {@code --auth none} and its own sandbox names (a server removes leftover
 * sandboxes of its own prefix when it starts): one with the default lifecycle for warm invokes, one whose environments
 * retire after {@link ColdStartBench#IDLE_TIMEOUT} for cold starts. Both may hold far more sandbox memory than the
 * machine has, so no environment is evicted to make room mid-run (the cap is bookkeeping; the runtimes here use a
 * few MB, a JVM some tens).
 *
 * <p>When this machine cannot run sandboxes (not root, no bubblewrap) the section says so and the run goes on.
 */
final class InvokeBench {
    static final String WARM_PREFIX = "kbench-warm";
    static final String COLD_PREFIX = "kbench-cold";
    /** 64 java environments at 1,769 MB (the warm figure's 64 callers) are 110 GiB of MemorySize: admission only. */
    private static final long SANDBOX_MEMORY_BYTES = 1L << 40;
    /** Java's cold-start budget (architecture): within this factor of the same JVM started bare on the host. */
    static final double JAVA_COLD_RATIO = 1.2;

    private final BenchSettings settings;
    private final Path workDir;
    private final Path credentials;

    InvokeBench(BenchSettings settings, Path workDir, Path credentials) {
        this.settings = settings;
        this.workDir = workDir;
        this.credentials = credentials;
    }

    void run(Report report) throws Exception {
        Path serverDirs = sandboxReachableDir("kindling-bench-invoke-");
        try {
            run(report, serverDirs);
        } finally {
            ControlPlaneBench.deleteRecursively(serverDirs);
        }
    }

    /**
     * A new temporary directory for servers that run sandboxes: the sandboxes' user must be able to pass through every
     * directory above the code store, and the run's work directory is private (0700; the other sections' servers run
     * without a worker because of that, and stay so). The caller deletes it.
     */
    static Path sandboxReachableDir(String prefix) throws IOException {
        Path dir = Files.createTempDirectory(prefix);
        Files.setPosixFilePermissions(dir, PosixFilePermissions.fromString("rwx--x--x"));
        return dir;
    }

    private void run(Report report, Path serverDirs) throws Exception {
        Path runtimes = workDir.resolve("runtimes");
        List<ProvidedBootstraps.Bootstrap> bootstraps = new ArrayList<>();
        String withoutC = null;
        try {
            bootstraps.add(ProvidedBootstraps.compiled(runtimes));
        } catch (IOException e) {
            withoutC = e.getMessage();
            RoundTripBench.progress("invoke: no C runtime, sh rows only: " + withoutC);
        }
        ProvidedBootstraps.Bootstrap shell = ProvidedBootstraps.shell(runtimes);
        bootstraps.add(shell);
        ProvidedBootstraps.Bootstrap fast = bootstraps.getFirst();
        ProvidedBootstraps.Bootstrap java = null;
        String withoutJava = null;
        try {
            java = JavaEcho.compiled(runtimes);
            bootstraps.add(java);
        } catch (IOException e) {
            withoutJava = e.getMessage();
            RoundTripBench.progress("invoke: no Java rows: " + withoutJava);
        }

        try (SandboxStartLog startLog = new SandboxStartLog()) {
            List<WarmInvokeBench.Measured> warm;
            try (KindlingServer server = KindlingUnderTest.start(serverDirs.resolve("warm"), credentials,
                            ServerConfig.Auth.NONE, worker(WARM_PREFIX, LifecycleSettings.DEFAULTS));
                    BareJettyServer bareJetty = BareJettyServer.echoOnly()) {
                List<InvokeTarget> targets = new ArrayList<>();
                targets.add(new InvokeTarget(fast, InvokeTarget.FULL_CORE_MB, "warm-" + fast.id() + "-1769", server.endpoint()));
                if (fast != shell) {
                    targets.add(new InvokeTarget(shell, InvokeTarget.FULL_CORE_MB, "warm-sh-1769", server.endpoint()));
                }
                targets.add(new InvokeTarget(fast, InvokeTarget.SMALLEST_MB, "warm-" + fast.id() + "-128", server.endpoint()));
                if (java != null) {
                    for (int memory : javaMemories()) {
                        targets.add(new InvokeTarget(java, memory, "warm-java-" + memory, server.endpoint()));
                    }
                }
                deploy(server, targets);
                String unavailable = probe(targets.getFirst());
                if (unavailable != null) {
                    skipped(report, unavailable);
                    return;
                }
                // Every environment running before the warm-ups: a JVM's first invoke is a cold start of a second or
                // more, which would eat a short warm-up.
                for (InvokeTarget target : targets.subList(1, targets.size())) {
                    String failed = probe(target);
                    if (failed != null) {
                        throw new IllegalStateException(target.function() + ": " + failed);
                    }
                }
                // Several callers: the headline C target and java at 1,769 MB, each with as many environments.
                List<InvokeTarget> manyCallers = new ArrayList<>(List.of(targets.getFirst()));
                for (InvokeTarget target : targets) {
                    if (target.bootstrap() == java && target.memoryMb() == InvokeTarget.FULL_CORE_MB) {
                        manyCallers.add(target);
                    }
                }
                warm = new WarmInvokeBench(settings, bareJetty, targets, manyCallers).run(report);
            }
            List<ColdStartBench.Series> cold;
            try (KindlingServer server = KindlingUnderTest.start(serverDirs.resolve("cold"), credentials,
                    ServerConfig.Auth.NONE, worker(COLD_PREFIX, ColdStartBench.retireQuickly()))) {
                List<InvokeTarget> targets = new ArrayList<>();
                for (ProvidedBootstraps.Bootstrap bootstrap : bootstraps) {
                    int[] memories = bootstrap == java ? javaMemories()
                            : new int[] {InvokeTarget.FULL_CORE_MB, InvokeTarget.SMALLEST_MB};
                    for (int memory : memories) {
                        targets.add(new InvokeTarget(bootstrap, memory, "cold-" + bootstrap.id() + "-" + memory, server.endpoint()));
                    }
                }
                deploy(server, targets);
                cold = new ColdStartBench(settings, targets, bootstraps, startLog, BubblewrapConfig.defaults().scratchRoot(),
                        COLD_PREFIX, workDir).run(report);
            }
            budgets(report, warm, cold, fast, withoutC, java, withoutJava);
        }
    }

    /** The Java rows' memory sizes: one full core, and 512 MB (29% of one). */
    private static int[] javaMemories() {
        return new int[] {InvokeTarget.FULL_CORE_MB, InvokeTarget.JAVA_SMALL_MB};
    }

    private static WorkerConfig worker(String prefix, LifecycleSettings lifecycle) {
        return WorkerConfig.defaults().withNamePrefix(prefix).withSandboxMemoryBytes(SANDBOX_MEMORY_BYTES)
                .withLifecycle(lifecycle);
    }

    static void deploy(KindlingServer server, List<InvokeTarget> targets) throws InterruptedException {
        RoundTripBench.progress("invoke: deploying " + targets.size() + " functions");
        try (LambdaClient lambda = KindlingUnderTest.client(server.endpoint())) {
            for (InvokeTarget target : targets) {
                lambda.createFunction(KindlingUnderTest.createRequest(target.function(), target.bootstrap().zip(),
                        target.memoryMb(), target.bootstrap().runtime(), target.bootstrap().handler()));
            }
            for (InvokeTarget target : targets) {
                KindlingUnderTest.awaitActive(lambda, target.function(), 5);
            }
        }
    }

    /** Null when an invoke works here (and echoes the event), else why not (the server's answer). */
    static String probe(InvokeTarget target) throws IOException {
        byte[] event = WarmInvokeBench.event();
        KeepAliveHttpPost.Answer answer = new KeepAliveHttpPost(target.invokeUrl(), event, "application/json").exchange();
        if (answer.status() == 200 && answer.functionError() == null && Arrays.equals(answer.body(), event)) {
            return null;
        }
        return "Invoke answered " + answer.status() + (answer.functionError() == null ? "" : " (" + answer.functionError()
                + ")") + ": " + answer.bodyText();
    }

    private static void skipped(Report report, String why) {
        RoundTripBench.progress("invoke: skipped: " + why);
        report.runFact("invoke_skipped", why);
        report.table("7–8. Invoke", "Not measured: Kindling cannot run sandboxes here (they need root, bubblewrap and "
                + "cgroups). " + why, "figure", "value").row("—", "—");
    }

    private static void budgets(Report report, List<WarmInvokeBench.Measured> warm, List<ColdStartBench.Series> cold,
                                ProvidedBootstraps.Bootstrap fast, String withoutC, ProvidedBootstraps.Bootstrap java,
                                String withoutJava) {
        WarmInvokeBench.Measured b = WarmInvokeBench.find(warm, "B", 1);
        WarmInvokeBench.Measured k = WarmInvokeBench.find(warm, fast.id() + "-" + InvokeTarget.FULL_CORE_MB, 1);
        Report.Table table = report.table("7–8. Invoke against the architecture's budgets",
                "From tables 7 and 8 of this run. Warm: the " + fast.id() + " runtime at 1,769 MB, 1 caller"
                        + (java == null ? "" : ", and java at 1,769 MB against the latency budgets") + ". Cold: every "
                        + "`provided` runtime and memory size of 8 against the `provided` budget"
                        + (java == null ? "" : "; java against its own, within " + Format.ratio(JAVA_COLD_RATIO)
                                + " the same JVM started bare") + ".",
                "figure", "Kindling", "baseline (same run)", "budget", "verdict");
        double overhead = k.latency().p50Ms() - b.latency().p50Ms();
        budget(report, table, "invoke.budget.warm_p50", "warm invoke p50", k.latency().p50Ms(),
                "B " + Format.millis(b.latency().p50Ms()), 1.0, "≤ 1 ms");
        budget(report, table, "invoke.budget.warm_p99", "warm invoke p99", k.latency().p99Ms(),
                "B " + Format.millis(b.latency().p99Ms()), 5.0, "≤ 5 ms");
        budget(report, table, "invoke.budget.warm_overhead", "warm invoke overhead, p50 − B p50", overhead,
                "B " + Format.millis(b.latency().p50Ms()), 3 * b.latency().p50Ms(),
                "≤ 3 × B = " + Format.millis(3 * b.latency().p50Ms()));
        if (java != null) {
            WarmInvokeBench.Measured j = WarmInvokeBench.find(warm, java.id() + "-" + InvokeTarget.FULL_CORE_MB, 1);
            budget(report, table, "invoke.budget.warm_java_p50", "warm invoke, java, 1,769 MB, p50", j.latency().p50Ms(),
                    "B " + Format.millis(b.latency().p50Ms()), 1.0, "≤ 1 ms");
            budget(report, table, "invoke.budget.warm_java_p99", "warm invoke, java, 1,769 MB, p99", j.latency().p99Ms(),
                    "B " + Format.millis(b.latency().p99Ms()), 5.0, "≤ 5 ms");
        }
        Map<ProvidedBootstraps.Bootstrap, ColdStartBench.Series> bare = new LinkedHashMap<>();
        cold.stream().filter(s -> s.target == null).forEach(s -> bare.put(s.bootstrap, s));
        for (ColdStartBench.Series s : cold) {
            if (s.target == null) {
                continue;
            }
            Latency base = bare.get(s.bootstrap).latency();
            String what = "cold start, " + s.bootstrap.id() + ", " + s.target.memory();
            if (s.bootstrap == java) {
                ratioBudget(report, table, s.id + ".budget_p50", what + ", p50", s.latency().p50Ms(), base.p50Ms());
                ratioBudget(report, table, s.id + ".budget_p99", what + ", p99", s.latency().p99Ms(), base.p99Ms());
                continue;
            }
            budget(report, table, s.id + ".budget_p50", what + ", p50", s.latency().p50Ms(),
                    "bare " + Format.millis(base.p50Ms()), 50, "≤ 50 ms");
            budget(report, table, s.id + ".budget_p99", what + ", p99", s.latency().p99Ms(),
                    "bare " + Format.millis(base.p99Ms()), 100, "≤ 100 ms");
        }
        if (withoutC != null) {
            table.note("No C runtime in this run (" + withoutC + "): the warm figures are the sh + curl runtime's, "
                    + "mostly curl's own start-up.");
        }
        if (withoutJava != null) {
            table.note("No Java rows in this run: " + withoutJava);
        } else {
            table.note("Java's p99 budget is read the same way as its p50: Kindling's p99 within " + Format.ratio(JAVA_COLD_RATIO)
                    + " the bare JVM's p99, both from " + bare.get(java).latency().count() + " samples (so each is the "
                    + "largest sample).");
        }
    }

    private static void ratioBudget(Report report, Report.Table table, String id, String what, double valueMs,
                                    double bareMs) {
        double ratio = valueMs / bareMs;
        boolean met = ratio <= JAVA_COLD_RATIO;
        String verdict = met
                ? "met, " + Format.ratio(ratio) + " the bare start"
                : "**missed**: " + Format.ratio(ratio) + " the bare start, " + Format.millis(valueMs - JAVA_COLD_RATIO * bareMs)
                        + " over " + Format.ratio(JAVA_COLD_RATIO);
        table.row(what, Format.millis(valueMs), "bare JVM " + Format.millis(bareMs),
                "≤ " + Format.ratio(JAVA_COLD_RATIO) + " bare = " + Format.millis(JAVA_COLD_RATIO * bareMs), verdict);
        report.figure(id, what, Map.of("value_ms", valueMs, "bare_ms", bareMs, "ratio", ratio, "budget_ratio",
                JAVA_COLD_RATIO, "met", met));
    }

    private static void budget(Report report, Report.Table table, String id, String what, double valueMs,
                               String baseline, double budgetMs, String budgetText) {
        boolean met = valueMs <= budgetMs;
        String verdict = met
                ? "met, " + Format.millis(budgetMs - valueMs) + " to spare"
                : "**missed** by " + Format.millis(valueMs - budgetMs) + " (" + Format.ratio(valueMs / budgetMs) + " the budget)";
        table.row(what, Format.millis(valueMs), baseline, budgetText, verdict);
        report.figure(id, what, Map.of("value_ms", valueMs, "budget_ms", budgetMs, "met", met));
    }
}
