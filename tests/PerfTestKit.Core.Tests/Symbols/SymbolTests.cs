using PerfTestKit.Symbols;
using PerfTestKit.Tests.Support;

namespace PerfTestKit.Tests.Symbols;

public class SymbolTests
{
    [TestCase("int64 [HotLoop] HotLoop.Burner::SpinPrimes(int32)[OptimizedTier1]", "HotLoop.Burner::SpinPrimes(int32)", "HotLoop")]
    [TestCase("instance void [System.Private.CoreLib] System.Collections.Generic.Dictionary`2[System.__Canon,System.__Canon]::.ctor(int32)[PreJIT]",
        "System.Collections.Generic.Dictionary`2[System.__Canon,System.__Canon]::.ctor(int32)", "System.Private.CoreLib")]
    [TestCase("int32[] [App] App.C::M()[QuickJitted]", "App.C::M()", "App")]
    [TestCase("stub<12> AllocateTemporaryEntryPoints<PRECODE_FIXUP>", "stub<12> AllocateTemporaryEntryPoints<PRECODE_FIXUP>", ManagedFrameName.StubModule)]
    [TestCase("no assembly here", "no assembly here", "[.NET]")]
    public void A_perf_map_name_splits_into_method_and_assembly(string raw, string method, string assembly)
    {
        Assert.That(ManagedFrameName.Split(raw), Is.EqualTo((method, assembly)));
    }

    [Test]
    public void Zero_sized_symbols_reach_the_next_one_and_sized_ones_end_at_their_size()
    {
        var builder = new SymbolTable.Builder();
        builder.Add(0x1000, 0, "open_ended");
        builder.Add(0x2000, 0x10, "sized");
        builder.Add(0x3000, 0x10, "last");
        var table = builder.Build();
        Assert.Multiple(() =>
        {
            Assert.That(table.Lookup(0xfff), Is.Null);
            Assert.That(table.Lookup(0x1fff), Is.EqualTo("open_ended"));
            Assert.That(table.Lookup(0x200f), Is.EqualTo("sized"));
            Assert.That(table.Lookup(0x2010), Is.Null, "past a sized symbol's end lies no symbol");
            Assert.That(table.Lookup(0x3005), Is.EqualTo("last"));
        });
    }

    [Test]
    public void Among_aliases_at_one_address_the_global_one_with_fewer_underscores_wins_as_in_perf()
    {
        var builder = new SymbolTable.Builder();
        builder.Add(0x1000, 8, "__GI_write", rank: 1);
        builder.Add(0x1000, 8, "write", rank: 0);
        builder.Add(0x1000, 8, "__write", rank: 2);
        Assert.That(builder.Build().Lookup(0x1004), Is.EqualTo("__write"), "global beats local and weak");
    }

    [Test]
    public void Kallsyms_lines_name_kernel_and_module_functions()
    {
        var text = "ffffffff81000000 T _stext\nffffffff81000100 t do_thing\n0000000000000000 T hidden\nffffffffc0001000 t mod_func\t[kvm]\n";
        var kernel = KernelSymbols.Parse(new StringReader(text));
        Assert.Multiple(() =>
        {
            Assert.That(kernel.Count, Is.EqualTo(3), "zeroed addresses (kptr_restrict) are dropped");
            Assert.That(kernel.Lookup(0xffffffff81000150), Is.EqualTo(("do_thing", KernelSymbols.KernelModule)));
            Assert.That(kernel.Lookup(0xffffffffc0001010), Is.EqualTo(("mod_func", "[kvm]")));
        });
    }

    /// <summary>
    /// Aliases as this machine's kernel has them (28 <c>__pi_</c> copies, syscall wrappers under three names, weak and
    /// local names beside global ones): perf names the last line at an address (see KeepOnePerAddress), whatever its
    /// binding, underscores or length, also when the lines are far apart in the file.
    /// </summary>
    [Test]
    public void Kallsyms_aliases_at_one_address_are_named_as_perf_names_them()
    {
        var text = string.Join('\n',
            "ffffffff81000000 T _stext",
            "ffffffff81001000 T __pi___x86_indirect_thunk_rax",
            "ffffffff81001000 T __x86_indirect_thunk_rax",
            "ffffffff81002000 t __do_sys_getppid",
            "ffffffff81002000 T __ia32_sys_getppid",
            "ffffffff81002000 T __x64_sys_getppid",
            "ffffffff81003000 T memmove",
            "ffffffff81003000 T __memmove",
            "ffffffff81004000 T strong_first",
            "ffffffff81004000 W weak_last",
            "ffffffff81005000 T clkdev_hw_create",
            "ffffffff81005000 t __clk_register_clkdev",
            "ffffffff81006000 T long_global_name",
            "ffffffff81006000 r rodata_alias_is_not_text",
            "ffffffffc0001000 t mod_first\t[kvm]",
            "ffffffffc0001000 t mod_b\t[kvm]",
            "ffffffff81007000 T far_first",
            "ffffffff81008000 T next_one",
            "ffffffff81007000 t far_last") + "\n";
        var kernel = KernelSymbols.Parse(new StringReader(text));
        Assert.Multiple(() =>
        {
            Assert.That(kernel.Lookup(0xffffffff81001010)?.Name, Is.EqualTo("__x86_indirect_thunk_rax"));
            Assert.That(kernel.Lookup(0xffffffff81002010)?.Name, Is.EqualTo("__x64_sys_getppid"));
            Assert.That(kernel.Lookup(0xffffffff81003010)?.Name, Is.EqualTo("__memmove"), "more underscores, yet last");
            Assert.That(kernel.Lookup(0xffffffff81004010)?.Name, Is.EqualTo("weak_last"), "weak, yet last");
            Assert.That(kernel.Lookup(0xffffffff81005010)?.Name, Is.EqualTo("__clk_register_clkdev"), "local, yet last");
            Assert.That(kernel.Lookup(0xffffffff81006010)?.Name, Is.EqualTo("long_global_name"), "only text and data lines are symbols");
            Assert.That(kernel.Lookup(0xffffffffc0001010), Is.EqualTo(("mod_b", "[kvm]")));
            Assert.That(kernel.Lookup(0xffffffff81007010)?.Name, Is.EqualTo("far_last"));
            Assert.That(kernel.Lookup(0xffffffff81008010)?.Name, Is.EqualTo("next_one"));
            Assert.That(kernel.Count, Is.EqualTo(10), "one entry an address");
        });
    }

    /// <summary>
    /// perf itself as the judge: this boot's kallsyms with an alias beside every text symbol (before it, with more
    /// underscores, or after it, weak or local), given to both perf script and our loader; every kernel frame of a
    /// real recording then sits at an address with two names, and both must name the same one.
    /// </summary>
    [Test]
    public void Kernel_frames_at_aliased_addresses_are_named_as_perf_script_names_them()
    {
        var lines = File.ReadAllLines("/proc/kallsyms");
        Assume.That(lines.Take(100).Any(l => !l.StartsWith("0000000000000000", StringComparison.Ordinal)), "kallsyms shows addresses (root, kptr_restrict off)");
        var aliased = new List<string>(lines.Length * 2);
        int n = 0;
        foreach (var line in lines)
        {
            var fields = line.Split(' ', 3);
            if (fields.Length < 3 || fields[1] is not ("T" or "t") || fields[2].Contains('\t'))
            {
                aliased.Add(line);
                continue;
            }
            switch (n++ % 3)
            {
                case 0: aliased.Add($"{fields[0]} T __pi_{fields[2]}"); aliased.Add(line); break;
                case 1: aliased.Add(line); aliased.Add($"{fields[0]} W {fields[2]}_weak_alias"); break;
                default: aliased.Add(line); aliased.Add($"{fields[0]} t _{fields[2]}"); break;
            }
        }
        string fixture = Path.Combine(Recordings.Directory, "aliased-kallsyms");
        File.WriteAllLines(fixture, aliased);
        var perf = PerfScriptOracle.FoldedStacks(Recordings.NativeFile, "--kallsyms", fixture);
        var ours = PerfTestKit.Writers.FoldedStacksWriter.Fold(PerfTestKit.Model.ProfileLoader.Load(Recordings.NativeFile, new SymbolizerOptions { KallsymsPath = fixture }).All());
        Assert.That(perf.Keys.Any(k => k.Contains("_weak_alias", StringComparison.Ordinal)), Is.True,
            "perf named kernel frames from the fixture, some by an added alias");
        Assert.That(ours, Is.EquivalentTo(perf));
    }

    /// <summary>
    /// A user who could not see kernel addresses (perf_event_paranoid 2) ran before the documented fix on the same boot:
    /// the copy made then, all zeros, is not used once the addresses can be seen, and none is made while they cannot.
    /// </summary>
    [Test]
    public void A_kallsyms_copy_without_addresses_is_never_used_and_never_made()
    {
        var real = File.ReadAllBytes("/proc/kallsyms");
        Assume.That(KernelSymbols.Parse(real).Count, Is.GreaterThan(1000), "kallsyms shows addresses (root, kptr_restrict off)");
        string? saved = Environment.GetEnvironmentVariable("XDG_CACHE_HOME");
        string cacheHome = Path.Combine(Recordings.Directory, $"xdg-{Guid.NewGuid():N}");
        Environment.SetEnvironmentVariable("XDG_CACHE_HOME", cacheHome);
        try
        {
            // What an unprivileged user's /proc/kallsyms looks like: every address zero.
            string hidden = System.Text.RegularExpressions.Regex.Replace(System.Text.Encoding.UTF8.GetString(real), "^[0-9a-f]{16}", "0000000000000000",
                System.Text.RegularExpressions.RegexOptions.Multiline);
            KallsymsCache.ForThisBoot()!.WriteText(System.Text.Encoding.UTF8.GetBytes(hidden));

            var loaded = KernelSymbols.Load();
            Assert.That(loaded.Count, Is.GreaterThan(1000), "the hidden copy was not used");
            var again = KernelSymbols.Load();
            Assert.That(again.Count, Is.EqualTo(loaded.Count), "the copy made now has the addresses");

            // A run that cannot see them: its table is empty, the profile says why and how to fix it, and it
            // leaves the good copy alone.
            string hiddenFile = Path.Combine(cacheHome, "hidden-kallsyms");
            File.WriteAllText(hiddenFile, hidden);
            var profile = PerfTestKit.Model.ProfileLoader.Load(Recordings.NativeFile, new SymbolizerOptions { KallsymsPath = hiddenFile });
            Assert.That(profile.Warnings, Has.Some.StartsWith("kernel frames have no names").And.Contain("sudo sysctl kernel.perf_event_paranoid=1"));
            Assert.That(KernelSymbols.Load().Count, Is.EqualTo(loaded.Count));
        }
        finally
        {
            Environment.SetEnvironmentVariable("XDG_CACHE_HOME", saved);
            if (Directory.Exists(cacheHome)) Directory.Delete(cacheHome, recursive: true);
        }
    }

    /// <summary>
    /// At perf_event_paranoid 2 perf falls back to user space only (cpu-clock:u): the profile says that kernel frames
    /// are missing and why, rather than showing a profile without them as if it were whole.
    /// </summary>
    [Test]
    public void A_recording_of_user_space_only_says_that_kernel_frames_are_missing_and_how_to_fix_it()
    {
        string data = Path.Combine(Recordings.Directory, $"user-only-{Guid.NewGuid():N}.data");
        try
        {
            var record = ProcessRunner.Run("perf", new[] { "record", "-q", "-e", "cpu-clock:u", "-g", "-o", data, "--", Recordings.NativeBinary, "100" });
            Assert.That(record.ExitCode, Is.EqualTo(0), record.StandardError);
            var userOnly = PerfTestKit.Model.ProfileLoader.Load(data);
            Assert.That(userOnly.SampleCount, Is.GreaterThan(10));
            Assert.That(userOnly.Warnings, Has.Some.StartsWith("kernel frames are not recorded: perf recorded user space only")
                .And.Contain("sudo sysctl kernel.perf_event_paranoid=1"));
            var whole = PerfTestKit.Model.ProfileLoader.Load(Recordings.NativeFile);
            Assert.That(whole.Warnings, Has.None.Contains("kernel frames"), "a recording with the kernel says nothing of it");
        }
        finally
        {
            File.Delete(data);
        }
    }

    /// <summary>
    /// A real non-root user (made here) at this machine's perf_event_paranoid: where it is 2, as on Debian, perf itself
    /// falls back to user space only, and the profile says so; where it forbids the user everything, perf fails.
    /// </summary>
    [Test]
    public void A_non_root_user_recording_at_paranoid_2_is_user_space_only_and_the_profile_says_so()
    {
        string paranoid = File.ReadAllText("/proc/sys/kernel/perf_event_paranoid").Trim();
        Assume.That(paranoid, Is.EqualTo("2"), $"this machine's kernel.perf_event_paranoid is {paranoid}, not 2");
        const string user = "perftestkit-nonroot";
        var exists = ProcessRunner.Run("id", new[] { "-u", user });
        if (exists.ExitCode != 0)
        {
            var add = ProcessRunner.Run("useradd", new[] { "--system", "--no-create-home", "--shell", "/usr/sbin/nologin", user });
            Assume.That(add.ExitCode, Is.EqualTo(0), $"cannot create a user here: {add.StandardError}");
        }
        // A folder the user may write into, and a copy of the workload it may run.
        string folder = Path.Combine(Path.GetTempPath(), $"perftestkit-nonroot-{Guid.NewGuid():N}");
        Directory.CreateDirectory(folder);
        try
        {
            string workload = Path.Combine(folder, "workload");
            File.Copy(Recordings.NativeBinary, workload);
            Assert.That(ProcessRunner.Run("chmod", new[] { "a+rwx", folder, workload }).ExitCode, Is.EqualTo(0));
            string data = Path.Combine(folder, "perf.data");
            var record = ProcessRunner.Run("runuser", new[] { "-u", user, "--", "perf", "record", "-g", "-e", "cpu-clock", "-o", data, "--", workload, "100" });
            Assert.That(record.ExitCode, Is.EqualTo(0), record.StandardError);
            var profile = PerfTestKit.Model.ProfileLoader.Load(data);
            Assert.That(profile.SampleCount, Is.GreaterThan(10));
            Assert.That(profile.Events.Single().ExcludesKernel, Is.True, "perf fell back to user space");
            Assert.That(profile.Warnings, Has.Some.StartsWith("kernel frames are not recorded"));
        }
        finally
        {
            Directory.Delete(folder, recursive: true);
        }
    }

    /// <summary>The parsed kallsyms saved in the cache must give the same names as parsing the real file again.</summary>
    [Test]
    public void The_saved_kallsyms_index_names_every_address_as_parsing_does()
    {
        var text = File.ReadAllBytes("/proc/kallsyms");
        var parsed = KernelSymbols.Parse(text);
        Assume.That(parsed.Count, Is.GreaterThan(1000), "kallsyms shows addresses (root, kptr_restrict off)");
        var index = parsed.ToIndex();
        var restored = KernelSymbols.FromIndex(text, index);
        Assert.That(restored, Is.Not.Null);
        Assert.That(restored!.Count, Is.EqualTo(parsed.Count));
        var random = new Random(3);
        var addresses = Enumerable.Range(0, 5000).Select(_ => 0xffffffff80000000UL + (ulong)random.NextInt64(0, 0x7fffffff)).ToList();
        Assert.That(addresses.Select(restored.Lookup), Is.EqualTo(addresses.Select(parsed.Lookup)));
        Assert.Multiple(() =>
        {
            Assert.That(KernelSymbols.FromIndex(text, index[..^4]), Is.Null, "a cut index is not used");
            Assert.That(KernelSymbols.FromIndex(text[..1000], index), Is.Null, "an index of another text is not used");
        });
    }

    /// <summary>
    /// The dynamic loader is stripped and named from libc6-dbg's debug file, whose PLT sections are empty (NOBITS):
    /// the stubs keep the names made from the loader's own relocations, as in perf (a sample in ld.so's
    /// _dl_catch_exception@plt during start-up once showed it).
    /// </summary>
    [TestCase("/usr/lib/x86_64-linux-gnu/ld-linux-x86-64.so.2")]
    [TestCase(null)]
    public void PLT_stubs_are_named_name_at_plt_where_objdump_puts_them(string? binary)
    {
        binary ??= Recordings.NativeBinary;
        // objdump -d names each stub of .plt (and .plt.sec) "<name@plt>", as perf synthesises them.
        var disassembly = ProcessRunner.Run("objdump", new[] { "-d", "-j", ".plt", "-j", ".plt.sec", binary });
        var stubs = System.Text.RegularExpressions.Regex.Matches(disassembly.StandardOutput, @"^([0-9a-f]+) <([^>+]+@plt)>:$", System.Text.RegularExpressions.RegexOptions.Multiline)
            .Select(m => (Address: Convert.ToUInt64(m.Groups[1].Value, 16), Name: m.Groups[2].Value)).ToList();
        Assert.That(stubs, Has.Count.GreaterThanOrEqualTo(3), disassembly.StandardOutput);
        var image = ElfImage.TryLoad(binary)!;
        Assert.Multiple(() =>
        {
            foreach (var (address, name) in stubs)
            {
                Assert.That(image.Symbols.Lookup(address + 4), Is.EqualTo(name), $"0x{address:x}");
            }
            if (binary == Recordings.NativeBinary) Assert.That(stubs.Select(s => s.Name), Does.Contain("clock_gettime@plt"));
            else Assert.That(image.HasFullSymbols, Is.True, "the loader's names come from its debug file (libc6-dbg)");
        });
    }

    [Test]
    public void A_stripped_binary_is_named_from_its_debuglink_file_even_outside_text_sections()
    {
        // As NativeAOT publishes: app stripped, its .symtab in app.dbg next to it, managed code in __managedcode.
        var binary = Path.Combine(Recordings.Directory, "debuglinked");
        foreach (var args in new[]
        {
            new[] { "--only-keep-debug", "--rename-section", ".text=__managedcode", Recordings.NativeBinary, binary + ".dbg" },
            new[] { "--strip-all", "--add-gnu-debuglink=" + binary + ".dbg", Recordings.NativeBinary, binary },
        })
        {
            var result = ProcessRunner.Run("objcopy", args);
            Assert.That(result.ExitCode, Is.EqualTo(0), result.StandardError);
        }
        var symbols = ProcessRunner.Run("nm", new[] { Recordings.NativeBinary }).StandardOutput;
        ulong leafAdd = Convert.ToUInt64(System.Text.RegularExpressions.Regex.Match(symbols, @"^([0-9a-f]+) T leaf_add$", System.Text.RegularExpressions.RegexOptions.Multiline).Groups[1].Value, 16);
        var image = ElfImage.TryLoad(binary)!;
        Assert.Multiple(() =>
        {
            Assert.That(image.DebugLink, Is.EqualTo("debuglinked.dbg"));
            Assert.That(image.HasFullSymbols, Is.True);
            Assert.That(image.Symbols.Lookup(leafAdd + 4), Is.EqualTo("leaf_add"));
        });
    }

    [Test]
    public void The_real_libc_is_named_from_its_debug_symbols_like_perf_does()
    {
        var image = ElfImage.TryLoad("/usr/lib/x86_64-linux-gnu/libc.so.6");
        Assert.That(image, Is.Not.Null);
        Assert.That(image!.BuildId, Is.Not.Null.And.Length.EqualTo(40));
        Assert.That(image.Symbols.Count, Is.GreaterThan(1000));
    }

    /// <summary>A growing perf map is built again after each refresh: building in steps must equal building once.</summary>
    [Test]
    public void Building_again_after_more_symbols_equals_building_everything_at_once()
    {
        var random = new Random(7);
        var symbols = Enumerable.Range(0, 3000).Select(i => (
            Start: 0x1000UL + (ulong)random.Next(0, 800) * 0x10,
            Size: (ulong)random.Next(0, 3) * 0x8,
            Name: new string('_', random.Next(0, 3)) + "f" + i,
            Rank: random.Next(0, 3))).ToList();
        var once = new SymbolTable.Builder();
        foreach (var s in symbols) once.Add(s.Start, s.Size, s.Name, s.Rank);
        var stepwise = new SymbolTable.Builder();
        SymbolTable table = SymbolTable.Empty;
        for (int i = 0; i < symbols.Count; i++)
        {
            var s = symbols[i];
            var bytes = System.Text.Encoding.UTF8.GetBytes("#" + s.Name);
            stepwise.Add(s.Start, s.Size, bytes, 1, bytes.Length - 1, s.Rank);
            if (i % 700 == 0) table = stepwise.Build();
        }
        table = stepwise.Build();
        var expected = once.Build();
        Assert.That(stepwise.Count, Is.EqualTo(symbols.Count));
        for (ulong address = 0xff0; address < 0x1000 + 801 * 0x10; address += 4)
        {
            Assert.That(table.Lookup(address), Is.EqualTo(expected.Lookup(address)), $"at 0x{address:x}");
        }
    }

    [Test]
    public void Perf_map_lines_keep_names_with_spaces_and_stop_before_a_line_still_being_written()
    {
        var text = "7f0000001000 20 instance void [App] App.Program::Run(string[])[OptimizedTier1]\n"
            + "0x7f0000002000 10 stub<1> AllocateTemporaryEntryPoints<PRECODE_STUB>\n"
            + "not-hex 10 ignored\n"
            + "7f0000003000 8 void [App] Ünïcode::Mëthod()[QuickJitted]\n"
            + "7f0000004000 8 half a li";
        using var stream = new MemoryStream(System.Text.Encoding.UTF8.GetBytes(text));
        var builder = new SymbolTable.Builder();
        long consumed = ManagedSymbols.ReadPerfMap(stream, 0, builder);
        var table = builder.Build();
        Assert.Multiple(() =>
        {
            Assert.That(consumed, Is.EqualTo(System.Text.Encoding.UTF8.GetByteCount(text) - "7f0000004000 8 half a li".Length));
            Assert.That(table.Count, Is.EqualTo(3));
            Assert.That(table.Lookup(0x7f000000101f), Is.EqualTo("instance void [App] App.Program::Run(string[])[OptimizedTier1]"));
            Assert.That(table.Lookup(0x7f0000001020), Is.Null);
            Assert.That(table.Lookup(0x7f0000002000), Is.EqualTo("stub<1> AllocateTemporaryEntryPoints<PRECODE_STUB>"));
            Assert.That(table.Lookup(0x7f0000003004), Is.EqualTo("void [App] Ünïcode::Mëthod()[QuickJitted]"));
        });
    }

    [Test]
    public void A_growing_perf_map_names_old_and_new_code_as_one_merged_table_would()
    {
        // Enough lines for the main table, then a few appended while the process runs (they stay in the small one).
        string directory = Directory.CreateTempSubdirectory("perftestkit-map-").FullName;
        try
        {
            const int pid = 424242;
            string map = Path.Combine(directory, $"perf-{pid}.map");
            var lines = new System.Text.StringBuilder();
            for (int i = 0; i < 5000; i++) lines.Append($"{0x7f0000100000 + (ulong)i * 0x100:x} 100 void [App] App.C::M{i}()[QuickJitted]\n");
            lines.Append("7f0000900000 10000 void [App] App.Big::Wide()[QuickJitted]\n");
            File.WriteAllText(map, lines.ToString());
            var symbols = ManagedSymbols.Load(pid, new[] { directory });
            Assert.That(symbols.Lookup(0x7f0000100000 + 4999 * 0x100 + 0x10), Is.EqualTo("void [App] App.C::M4999()[QuickJitted]"));

            File.AppendAllText(map, "7f0000a00000 40 void [App] App.New::Code()[OptimizedTier1]\n"
                + "7f0000904000 20 void [App] App.Inside::Wide()[OptimizedTier1]\n"
                + "7f0000100000 100 void [App] App.Same::Start()[OptimizedTier1]\n");
            Assert.That(symbols.Refresh(), Is.True);
            Assert.Multiple(() =>
            {
                Assert.That(symbols.Lookup(0x7f0000a00010), Is.EqualTo("void [App] App.New::Code()[OptimizedTier1]"), "new code is found");
                Assert.That(symbols.Lookup(0x7f0000904010), Is.EqualTo("void [App] App.Inside::Wide()[OptimizedTier1]"), "the nearest start wins");
                Assert.That(symbols.Lookup(0x7f0000905000), Is.EqualTo("void [App] App.Big::Wide()[QuickJitted]"), "past the new symbol, the wide old one");
                // Same start, both sized: perf's rule (as in one merged table) takes the longer name.
                Assert.That(symbols.Lookup(0x7f0000100010), Is.EqualTo("void [App] App.Same::Start()[OptimizedTier1]"), "at the same start, perf's rule");
                Assert.That(symbols.Lookup(0x7f0000a00010), Is.EqualTo("void [App] App.New::Code()[OptimizedTier1]"), "still found once merged");
                Assert.That(symbols.Lookup(0x7f0000a00040), Is.Null);
            });
        }
        finally
        {
            Directory.Delete(directory, recursive: true);
        }
    }

    [Test]
    public void A_process_mapping_replaces_the_part_of_an_older_one_it_overlaps()
    {
        var maps = new ProcessMaps();
        maps.Add(new Mapping(0x1000, 0x5000, 0, "/old"));
        maps.Add(new Mapping(0x2000, 0x3000, 0, "/new"));
        Assert.Multiple(() =>
        {
            Assert.That(maps.Find(0x1500)?.FileName, Is.EqualTo("/old"));
            Assert.That(maps.Find(0x2500)?.FileName, Is.EqualTo("/new"));
            Assert.That(maps.Find(0x3500)?.FileName, Is.EqualTo("/old"));
            Assert.That(maps.Find(0x3500)?.PageOffset, Is.EqualTo(0x2000UL), "the tail keeps its file offset");
            Assert.That(maps.Find(0x5000), Is.Null);
        });
    }
}
