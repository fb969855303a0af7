package io.kindling.cli;

import java.io.IOException;
import java.io.PrintWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Base64;
import java.util.concurrent.Callable;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import software.amazon.awssdk.core.SdkBytes;
import software.amazon.awssdk.services.lambda.LambdaClient;
import software.amazon.awssdk.services.lambda.model.InvokeResponse;
import software.amazon.awssdk.services.lambda.model.LogType;

@Command(name = "invoke", mixinStandardHelpOptions = true,
        description = {"Invoke a function synchronously and print its response.",
                "Exit status 0 when the function succeeded, 1 when it returned a function error."})
final class InvokeCommand implements Callable<Integer> {
    @Mixin
    ClientOptions client;

    @Parameters(index = "0", paramLabel = "FUNCTION", description = "Function name, name:qualifier or ARN.")
    String function;

    @Option(names = "--qualifier", paramLabel = "Q", description = "Version or alias to invoke.")
    String qualifier;

    @Option(names = "--payload", paramLabel = "JSON|@FILE", description = "The event: JSON text, or @ and a file name"
            + " (default: {}).", defaultValue = "{}")
    String payload;

    @Option(names = "--log", description = "Also print the end of this invocation's log (X-Amz-Log-Type: Tail).")
    boolean log;

    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    @Override
    public Integer call() throws IOException {
        byte[] event = payload.startsWith("@")
                ? Files.readAllBytes(Path.of(payload.substring(1)))
                : payload.getBytes(StandardCharsets.UTF_8);
        InvokeResponse response;
        try (LambdaClient lambda = client.client(null)) {
            response = lambda.invoke(r -> r.functionName(function).qualifier(qualifier)
                    .logType(log ? LogType.TAIL : LogType.NONE)
                    .payload(SdkBytes.fromByteArray(event)));
        }
        PrintWriter out = spec.commandLine().getOut();
        PrintWriter err = spec.commandLine().getErr();
        if (log && response.logResult() != null) {
            err.print(new String(Base64.getDecoder().decode(response.logResult()), StandardCharsets.UTF_8));
            err.flush();
        }
        out.println(response.payload().asUtf8String());
        out.flush();
        if (response.functionError() != null) {
            err.println("function error (" + response.functionError() + "), version " + response.executedVersion());
            err.flush();
            return 1;
        }
        return 0;
    }
}
