using System.Security.Cryptography;
using System.Text;

namespace Pix2Pix.Training.Data;

/// <summary>A split that depends on nothing but an item's name (90/5/5 by a hash), so it never changes between runs or machines.</summary>
public static class DatasetSplit
{
    public static string Of(string name)
    {
        var hash = SHA256.HashData(Encoding.UTF8.GetBytes(name));
        var bucket = (int)(BitConverter.ToUInt32(hash, 0) % 100);
        return bucket < 90 ? "train" : bucket < 95 ? "val" : "test";
    }
}
