using System.Buffers.Binary;
using PerfTestKit.Model;
using PerfTestKit.PerfData;
using PerfTestKit.Tests.Support;

namespace PerfTestKit.Tests.PerfData;

/// <summary>Damaged input gives a typed error or the good part of the data, never another exception.</summary>
public class DamagedFileTests
{
    private string _scratch = "";

    [SetUp]
    public void CreateScratch() => _scratch = Path.Combine(Recordings.Directory, $"damaged-{Guid.NewGuid():N}.data");

    [TearDown]
    public void RemoveScratch() => File.Delete(_scratch);

    [Test]
    public void Wrong_magic_is_reported_as_bad_magic()
    {
        var bytes = File.ReadAllBytes(Recordings.NativeFile);
        "NOTPERF!"u8.CopyTo(bytes);
        File.WriteAllBytes(_scratch, bytes);
        var error = Assert.Throws<PerfFormatException>(() => ProfileLoader.Load(_scratch));
        Assert.That(error!.Kind, Is.EqualTo(PerfFormatError.BadMagic));
        Assert.That(error.Offset, Is.EqualTo(0));
    }

    /// <summary>Regression: found by the fuzz test; offset + size wrapped around 2^64 and passed the bounds check.</summary>
    [Test]
    public void An_attribute_id_array_whose_offset_wraps_around_is_a_format_error()
    {
        var bytes = File.ReadAllBytes(Recordings.NativeFile);
        long attrs = (long)BinaryPrimitives.ReadUInt64LittleEndian(bytes.AsSpan(24));
        long attrSize = (long)BinaryPrimitives.ReadUInt64LittleEndian(bytes.AsSpan(16));
        // The first attribute's id section {offset, size} is its last 16 bytes.
        BinaryPrimitives.WriteUInt64LittleEndian(bytes.AsSpan((int)(attrs + attrSize - 16)), ulong.MaxValue - 100);
        File.WriteAllBytes(_scratch, bytes);
        Assert.That(Assert.Throws<PerfFormatException>(() => ProfileLoader.Load(_scratch))!.Kind, Is.EqualTo(PerfFormatError.BadAttribute));
    }

    [Test]
    public void A_file_shorter_than_its_header_is_reported_as_truncated()
    {
        File.WriteAllBytes(_scratch, File.ReadAllBytes(Recordings.NativeFile)[..60]);
        var error = Assert.Throws<PerfFormatException>(() => ProfileLoader.Load(_scratch));
        Assert.That(error!.Kind, Is.EqualTo(PerfFormatError.TruncatedHeader));
    }

    [Test]
    public void An_empty_file_is_reported_as_truncated()
    {
        File.WriteAllBytes(_scratch, Array.Empty<byte>());
        Assert.That(Assert.Throws<PerfFormatException>(() => ProfileLoader.Load(_scratch))!.Kind, Is.EqualTo(PerfFormatError.TruncatedHeader));
    }

    [Test]
    public void A_file_cut_in_the_middle_of_its_data_keeps_the_samples_before_the_cut_and_says_so()
    {
        var bytes = File.ReadAllBytes(Recordings.NativeFile);
        long dataOffset = (long)BinaryPrimitives.ReadUInt64LittleEndian(bytes.AsSpan(40));
        long dataSize = (long)BinaryPrimitives.ReadUInt64LittleEndian(bytes.AsSpan(48));
        File.WriteAllBytes(_scratch, bytes[..(int)(dataOffset + dataSize / 2 + 3)]);

        var profile = ProfileLoader.Load(_scratch);
        int whole = ProfileLoader.Load(Recordings.NativeFile).SampleCount;
        Assert.That(profile.SampleCount, Is.InRange(whole / 4, whole - 1));
        Assert.That(profile.Warnings, Has.Some.Contains("truncated"));
    }

    [Test]
    public void A_header_with_data_size_zero_as_perf_leaves_when_killed_reads_to_the_end_of_the_file()
    {
        var bytes = File.ReadAllBytes(Recordings.NativeFile);
        long dataOffset = (long)BinaryPrimitives.ReadUInt64LittleEndian(bytes.AsSpan(40));
        long dataSize = (long)BinaryPrimitives.ReadUInt64LittleEndian(bytes.AsSpan(48));
        var killed = bytes[..(int)(dataOffset + dataSize)];
        BinaryPrimitives.WriteUInt64LittleEndian(killed.AsSpan(48), 0);
        killed.AsSpan(72, 32).Clear(); // a killed perf writes no features either
        File.WriteAllBytes(_scratch, killed);

        var profile = ProfileLoader.Load(_scratch);
        Assert.That(profile.SampleCount, Is.EqualTo(ProfileLoader.Load(Recordings.NativeFile).SampleCount));
        Assert.That(profile.Warnings, Has.Some.Contains("data size is 0"));
    }

    [Test]
    public void A_header_with_data_size_zero_and_no_records_is_reported_as_no_data()
    {
        var bytes = File.ReadAllBytes(Recordings.NativeFile);
        long dataOffset = (long)BinaryPrimitives.ReadUInt64LittleEndian(bytes.AsSpan(40));
        var killed = bytes[..(int)dataOffset];
        BinaryPrimitives.WriteUInt64LittleEndian(killed.AsSpan(48), 0);
        File.WriteAllBytes(_scratch, killed);
        Assert.That(Assert.Throws<PerfFormatException>(() => ProfileLoader.Load(_scratch))!.Kind, Is.EqualTo(PerfFormatError.NoData));
    }

    [Test]
    public void A_record_with_an_impossible_size_stops_reading_with_a_warning_and_keeps_what_came_before()
    {
        var bytes = File.ReadAllBytes(Recordings.NativeFile);
        long dataOffset = (long)BinaryPrimitives.ReadUInt64LittleEndian(bytes.AsSpan(40));
        long dataSize = (long)BinaryPrimitives.ReadUInt64LittleEndian(bytes.AsSpan(48));
        // Walk to a record in the middle and set its size to 3, less than a record header.
        long at = dataOffset;
        while (at < dataOffset + dataSize / 2) at += BinaryPrimitives.ReadUInt16LittleEndian(bytes.AsSpan((int)at + 6));
        BinaryPrimitives.WriteUInt16LittleEndian(bytes.AsSpan((int)at + 6), 3);
        File.WriteAllBytes(_scratch, bytes);

        var profile = ProfileLoader.Load(_scratch);
        Assert.That(profile.SampleCount, Is.GreaterThan(0));
        Assert.That(profile.Warnings, Has.Some.Contains($"at byte offset {at}"));
    }
}
