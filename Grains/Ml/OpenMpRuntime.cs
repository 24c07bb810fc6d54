using System.Runtime.InteropServices;

namespace OrleansMl.Ml;

/// <summary>
/// Which OpenMP runtime LightGBM's native library runs its parallel loops on (<c>OrleansMl__OpenMpRuntime</c>).
/// <para>
/// ML.NET's LightGBM library is linked against GNU's runtime (libgomp), which ends every parallel region with a barrier
/// that makes a system call even when the team has one thread. A LightGBM fit runs thousands of regions (several per
/// split), so on small data that barrier was 44% of LightGBM's CPU (perf, the diabetes search). LLVM's runtime (libomp,
/// Debian's <c>libomp5</c>) implements the same entry points and runs a one-thread region without a system call. Loaded
/// with global symbol scope before LightGBM's library, its definitions are the ones LightGBM's calls bind to (the
/// dynamic linker searches the global scope before a library's own dependencies). Measured in one process, 4-5 repeats:
/// LightGBM fold fits of the small sets took 15-90 ms instead of 37-170 ms, and <c>auto</c> on 200,000 x 20 rows
/// (two threads) 2.9-3.1 s instead of 4.3-4.5 s.
/// </para>
/// <para>
/// The choice is made once per process, before the first LightGBM fit: <c>auto</c> (the default) takes LLVM's when
/// it is installed and GNU's otherwise, <c>llvm</c> requires LLVM's (the silo does not start without it), <c>gnu</c>
/// keeps GNU's. Linux only; elsewhere LightGBM keeps the runtime it was built with.
/// </para>
/// </summary>
internal static class OpenMpRuntime
{
    public const string Auto = "auto";
    public const string Llvm = "llvm";
    public const string Gnu = "gnu";

    /// <summary>The file name of LLVM's runtime as Debian and Ubuntu install it (package <c>libomp5</c>).</summary>
    public const string LlvmLibrary = "libomp.so.5";

    private const int LoadNow = 2;
    private const int LoadGlobal = 0x100;

    private static readonly Lock Gate = new();
    private static string? _active;

    /// <summary>The runtime LightGBM runs on in this process: <c>llvm</c> or <c>gnu</c> (choosing <c>auto</c> first if none was chosen).</summary>
    public static string Active => _active ?? Select(Auto);

    /// <summary>
    /// Chooses the runtime, once per process (later calls return the first choice). Throws
    /// <see cref="InvalidOperationException"/> when <paramref name="choice"/> is <c>llvm</c> and LLVM's runtime cannot
    /// be loaded.
    /// </summary>
    public static string Select(string choice)
    {
        lock (Gate)
        {
            if (_active is not null)
            {
                return _active;
            }

            var wanted = choice.ToLowerInvariant();
            if (wanted == Gnu || !OperatingSystem.IsLinux())
            {
                return _active = Gnu;
            }

            if (TryLoadGlobally(LlvmLibrary, out var error) && Provider("GOMP_parallel") is { } provider
                && provider.Contains("libomp", StringComparison.Ordinal))
            {
                return _active = Llvm;
            }

            if (wanted == Llvm)
            {
                throw new InvalidOperationException(
                    $"OrleansMl:OpenMpRuntime is llvm, but LLVM's OpenMP runtime ({LlvmLibrary}) could not be loaded" +
                    $"{(error is null ? string.Empty : $": {error}")}. Install it (Debian: apt-get install libomp5) or set OrleansMl__OpenMpRuntime to auto or gnu.");
            }

            return _active = Gnu;
        }
    }

    /// <summary>
    /// The file of the library whose definition of <paramref name="symbol"/> the global scope resolves to (what a
    /// library loaded now binds to), or null when none defines it or this is not Linux.
    /// </summary>
    internal static string? Provider(string symbol)
    {
        if (!OperatingSystem.IsLinux())
        {
            return null;
        }

        try
        {
            var address = DlSym(0, symbol);
            return address != 0 && DlAddr(address, out var info) != 0 ? Marshal.PtrToStringUTF8(info.FileName) : null;
        }
        catch (Exception error) when (error is DllNotFoundException or EntryPointNotFoundException)
        {
            return null;
        }
    }

    private static bool TryLoadGlobally(string library, out string? error)
    {
        error = null;
        try
        {
            if (DlOpen(library, LoadNow | LoadGlobal) != 0)
            {
                return true;
            }

            error = DlError() is var message and not 0 ? Marshal.PtrToStringUTF8(message) : null;
            return false;
        }
        catch (Exception failure) when (failure is DllNotFoundException or EntryPointNotFoundException)
        {
            error = failure.Message;
            return false;
        }
    }

    [DllImport("libc.so.6", EntryPoint = "dlopen")]
    [DefaultDllImportSearchPaths(DllImportSearchPath.SafeDirectories)]
    private static extern nint DlOpen([MarshalAs(UnmanagedType.LPUTF8Str)] string file, int mode);

    [DllImport("libc.so.6", EntryPoint = "dlerror")]
    [DefaultDllImportSearchPaths(DllImportSearchPath.SafeDirectories)]
    private static extern nint DlError();

    [DllImport("libc.so.6", EntryPoint = "dlsym")]
    [DefaultDllImportSearchPaths(DllImportSearchPath.SafeDirectories)]
    private static extern nint DlSym(nint handle, [MarshalAs(UnmanagedType.LPUTF8Str)] string symbol);

    [DllImport("libc.so.6", EntryPoint = "dladdr")]
    [DefaultDllImportSearchPaths(DllImportSearchPath.SafeDirectories)]
    private static extern int DlAddr(nint address, out DlInfo info);

    [StructLayout(LayoutKind.Sequential)]
    private struct DlInfo
    {
        public nint FileName;
        public nint FileBase;
        public nint SymbolName;
        public nint SymbolAddress;
    }
}
