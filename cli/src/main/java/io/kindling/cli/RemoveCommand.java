package io.kindling.cli;

import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Parameters;
import software.amazon.awssdk.services.lambda.LambdaClient;

@Command(name = "rm", mixinStandardHelpOptions = true, description = "Delete a function with all its versions and aliases.")
final class RemoveCommand implements Runnable {
    @Mixin
    ClientOptions client;

    @Parameters(index = "0", paramLabel = "NAME", description = "Function name or ARN.")
    String name;

    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    @Override
    public void run() {
        try (LambdaClient lambda = client.client(null)) {
            lambda.deleteFunction(r -> r.functionName(name));
        }
        spec.commandLine().getOut().println("deleted " + name);
    }
}
