package io.kindling.bench;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;

/**
 * Baseline F: the cost of one durable write on this disk without group commit. Each call appends one block to a file
 * and waits for {@link FileChannel#force(boolean) force(false)} (fdatasync: the data and the file's new size, not its
 * times) before the next. An async accept must be at least this durable before its 202; group commit is how many
 * accepts share one such wait.
 */
final class DurableAppend implements ClosedLoopScenario.Call, AutoCloseable {
    private final FileChannel file;
    private final ByteBuffer block;

    DurableAppend(Path path, byte[] block) throws IOException {
        this.file = FileChannel.open(path, StandardOpenOption.CREATE, StandardOpenOption.WRITE, StandardOpenOption.APPEND);
        this.block = ByteBuffer.wrap(block.clone());
    }

    @Override
    public void run() throws IOException {
        block.rewind();
        while (block.hasRemaining()) {
            file.write(block);
        }
        file.force(false);
    }

    @Override
    public void close() throws IOException {
        file.close();
    }
}
