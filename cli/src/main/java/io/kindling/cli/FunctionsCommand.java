package io.kindling.cli;

import java.io.PrintWriter;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import software.amazon.awssdk.services.lambda.LambdaClient;
import software.amazon.awssdk.services.lambda.model.FunctionConfiguration;

@Command(name = "functions", mixinStandardHelpOptions = true, description = "Inspect functions.",
        subcommands = FunctionsCommand.List.class)
final class FunctionsCommand {

    @Command(name = "ls", mixinStandardHelpOptions = true, description = "List functions ($LATEST of each).")
    static final class List implements Runnable {
        @Mixin
        ClientOptions client;

        @CommandLine.Spec
        CommandLine.Model.CommandSpec spec;

        @Override
        public void run() {
            PrintWriter out = spec.commandLine().getOut();
            String format = "%-40s %-16s %7s %8s %-10s %s%n";
            out.printf(format, "NAME", "RUNTIME", "MEMORY", "TIMEOUT", "STATE", "LAST MODIFIED");
            try (LambdaClient lambda = client.client(null)) {
                for (FunctionConfiguration f : lambda.listFunctionsPaginator().functions()) {
                    out.printf(format, f.functionName(), f.runtimeAsString(), f.memorySize() + "MB", f.timeout() + "s",
                            f.stateAsString(), f.lastModified());
                }
            }
            out.flush();
        }
    }
}
