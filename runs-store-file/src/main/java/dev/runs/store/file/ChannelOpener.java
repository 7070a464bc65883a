package dev.runs.store.file;

import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.file.OpenOption;
import java.nio.file.Path;
import java.util.Set;

/**
 * Opens the file channels the store writes through: event logs, temporary files of whole-file
 * writes, directories to force. Tests substitute an opener whose channels fail on demand (disk
 * full, I/O error) to check that a failure leaves every file a valid prefix.
 */
@FunctionalInterface
interface ChannelOpener {
  /**
   * Opens channels with {@link FileChannel#open(Path, Set,
   * java.nio.file.attribute.FileAttribute[])}.
   */
  ChannelOpener DEFAULT = FileChannel::open;

  /**
   * @param path the file or directory
   * @param options how to open it
   * @return the channel
   * @throws IOException when it cannot be opened
   */
  FileChannel open(Path path, Set<? extends OpenOption> options) throws IOException;
}
