package io.kindling.cli;

import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine;
import picocli.CommandLine.Command;

/**
 * {@code kindling bench}, listed here so {@code kindling --help} shows it. The benchmarks are a module that depends on
 * this one, so the CLI cannot run them: {@code bin/kindling bench} hands over to {@code bin/bench}, which builds and
 * runs their jar, before this jar starts. Reaching this command means the jar was started some other way.
 */
@Command(name = "bench", description = {"Run the benchmarks: every figure beside a baseline measured in the same run; "
        + "writes results.md (tables and charts/*.png) and results.json to --out DIR (default benchmarks/results).",
        "Usage: bin/kindling bench [--quick] [--only SECTION,...] [--out DIR]; see BENCHMARKS.md."})
final class BenchCommand implements Callable<Integer> {
    @CommandLine.Unmatched
    List<String> arguments;

    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    @Override
    public Integer call() {
        spec.commandLine().getErr().println("kindling: the benchmarks run from a source checkout: bin/kindling bench "
                + String.join(" ", arguments == null ? List.of() : arguments) + " (or bin/bench)");
        return 2;
    }
}
