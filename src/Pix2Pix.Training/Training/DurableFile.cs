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

    /// <summary>
    /// The folder's entries (files created, renamed or removed in it) on the disk. Best effort where the file system or the
    /// folder's permissions allow no sync of a folder (as .NET's own file sync ignores those answers); a folder that is not
    /// there, or a failing disk, is an error.
    /// </summary>
    public static void SyncDirectory(string folder)
    {
        if (!(OperatingSystem.IsLinux() || OperatingSystem.IsMacOS())) return;
        var descriptor = Open(Path.GetFullPath(folder), 0 /* O_RDONLY */);
        if (descriptor < 0)
        {
            var error = Marshal.GetLastPInvokeError();
            if (error is EACCES or EPERM) return;   // writable but not readable (mode 1733, say): nothing to sync through
            throw new IOException($"cannot open {folder} to sync it (errno {error})");
        }

        try
        {
            if (Fsync(descriptor) != 0 && Marshal.GetLastPInvokeError() is var error && error is not (EINVAL or EROFS or ENOTSUP or ENOTSUP_MACOS))
            {
                throw new IOException($"cannot sync {folder} (errno {error})");
            }
        }
        finally
        {
            Close(descriptor);
        }
    }

    // Linux's numbers, and macOS's where they differ: EPERM, EACCES, EINVAL, EROFS are the same on both.
    private const int EPERM = 1, EACCES = 13, EINVAL = 22, EROFS = 30, ENOTSUP = 95, ENOTSUP_MACOS = 45;

    [DllImport("libc", EntryPoint = "open", SetLastError = true)]
    private static extern int Open([MarshalAs(UnmanagedType.LPUTF8Str)] string path, int flags);

    [DllImport("libc", EntryPoint = "fsync", SetLastError = true)]
    private static extern int Fsync(int descriptor);

    [DllImport("libc", EntryPoint = "close")]
    private static extern int Close(int descriptor);
}
