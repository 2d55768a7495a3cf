using System.Runtime.InteropServices;

namespace Pix2Pix.Training.Training;

/// <summary>
/// Puts written files and renames on the disk (fsync) before what depends on them, so that a power cut or a kernel crash
/// leaves each checkpoint as it was or whole: without it a file renamed into place can come back empty or short after a
/// crash, its rename on disk before its data. A directory is synced through the C library on Linux and macOS (.NET cannot
/// open one); elsewhere only files are.
/// </summary>
public static class DurableFile
{
    /// <summary>The file's data and size on the disk.</summary>
    public static void Sync(string path)
    {
        using var file = new FileStream(path, FileMode.Open, FileAccess.ReadWrite, FileShare.ReadWrite);
        file.Flush(flushToDisk: true);
    }

    /// <summary>The folder's entries (files created, renamed or removed in it) on the disk.</summary>
    public static void SyncDirectory(string folder)
    {
        if (!(OperatingSystem.IsLinux() || OperatingSystem.IsMacOS())) return;
        var descriptor = Open(Path.GetFullPath(folder), 0 /* O_RDONLY */);
        if (descriptor < 0) throw new IOException($"cannot open {folder} to sync it (errno {Marshal.GetLastPInvokeError()})");
        try
        {
            if (Fsync(descriptor) != 0) throw new IOException($"cannot sync {folder} (errno {Marshal.GetLastPInvokeError()})");
        }
        finally
        {
            Close(descriptor);
        }
    }

    [DllImport("libc", EntryPoint = "open", SetLastError = true)]
    private static extern int Open([MarshalAs(UnmanagedType.LPUTF8Str)] string path, int flags);

    [DllImport("libc", EntryPoint = "fsync", SetLastError = true)]
    private static extern int Fsync(int descriptor);

    [DllImport("libc", EntryPoint = "close")]
    private static extern int Close(int descriptor);
}
