using Google.Protobuf;

namespace AgentFlow.MLNet.Models.Tokenization;

/// <summary>
/// Writes a SentencePiece <c>ModelProto</c> (sentencepiece_model.proto) for a GGUF <c>llama</c> vocabulary.
/// Microsoft.ML.Tokenizers builds its SentencePiece BPE tokenizer (LlamaTokenizer) only from that serialized
/// message and keeps the generated message classes internal, so the few fields it reads are written here
/// with Google.Protobuf's wire-format writer.
/// </summary>
internal static class SentencePieceModelProto
{
    // ModelProto fields.
    private const int PiecesField = 1;
    private const int TrainerSpecField = 2;
    private const int NormalizerSpecField = 3;

    // ModelProto.SentencePiece fields.
    private const int PieceField = 1;
    private const int ScoreField = 2;
    private const int TypeField = 3;

    // TrainerSpec fields.
    private const int ModelTypeField = 3;
    private const int VocabSizeField = 4;
    private const int ByteFallbackField = 35;
    private const int UnkIdField = 40;
    private const int BosIdField = 41;
    private const int EosIdField = 42;
    private const int PadIdField = 43;
    private const int UnkPieceField = 45;
    private const int BosPieceField = 46;
    private const int EosPieceField = 47;

    // NormalizerSpec fields.
    private const int NameField = 1;
    private const int AddDummyPrefixField = 3;
    private const int RemoveExtraWhitespacesField = 4;
    private const int EscapeWhitespacesField = 5;

    private const int BpeModelType = 2;
    private const int NormalPieceType = 1;
    private const int BytePieceType = 6;

    /// <summary>
    /// The serialized model: pieces in id order with their scores and types, a BPE trainer spec with byte
    /// fallback when the vocabulary has byte pieces (<c>&lt;0x0A&gt;</c>), and the identity normalizer with
    /// the dummy-prefix "▁" and whitespace escaping that llama.cpp applies to SentencePiece vocabularies.
    /// </summary>
    public static byte[] Write(GgufVocabulary vocabulary, int[] pieceTypes)
    {
        var scores = vocabulary.Scores!;
        using var buffer = new MemoryStream();
        using (var output = new CodedOutputStream(buffer, leaveOpen: true))
        {
            for (var id = 0; id < vocabulary.Tokens.Count; id++)
            {
                var piece = Message(o =>
                {
                    o.WriteTag(PieceField, WireFormat.WireType.LengthDelimited);
                    o.WriteString(vocabulary.Tokens[id]);
                    o.WriteTag(ScoreField, WireFormat.WireType.Fixed32);
                    o.WriteFloat(scores[id]);
                    o.WriteTag(TypeField, WireFormat.WireType.Varint);
                    o.WriteInt32(pieceTypes[id]);
                });
                WriteMessage(output, PiecesField, piece);
            }

            WriteMessage(output, TrainerSpecField, Message(o =>
            {
                WriteInt(o, ModelTypeField, BpeModelType);
                WriteInt(o, VocabSizeField, vocabulary.Tokens.Count);
                WriteBool(o, ByteFallbackField, pieceTypes.Contains(BytePieceType));
                // -1 is SentencePiece's "none"; the unset defaults (unk 0, bos 1, eos 2) would invent tokens.
                WriteInt(o, UnkIdField, vocabulary.UnknownTokenId ?? -1);
                WriteInt(o, BosIdField, vocabulary.BosTokenId ?? -1);
                WriteInt(o, EosIdField, vocabulary.EosTokenId ?? -1);
                WriteInt(o, PadIdField, vocabulary.PaddingTokenId ?? -1);
                WritePieceName(o, UnkPieceField, vocabulary, vocabulary.UnknownTokenId);
                WritePieceName(o, BosPieceField, vocabulary, vocabulary.BosTokenId);
                WritePieceName(o, EosPieceField, vocabulary, vocabulary.EosTokenId);
            }));

            WriteMessage(output, NormalizerSpecField, Message(o =>
            {
                o.WriteTag(NameField, WireFormat.WireType.LengthDelimited);
                o.WriteString("identity");
                WriteBool(o, AddDummyPrefixField, true);
                WriteBool(o, RemoveExtraWhitespacesField, false);
                WriteBool(o, EscapeWhitespacesField, true);
            }));
        }
        return buffer.ToArray();
    }

    /// <summary>The SentencePiece piece type for a GGUF token type (the same numbering; 0 "undefined" reads as normal).</summary>
    public static int PieceType(int ggufTokenType) => ggufTokenType is >= 1 and <= 6 ? ggufTokenType : NormalPieceType;

    private static ByteString Message(Action<CodedOutputStream> write)
    {
        using var buffer = new MemoryStream();
        using (var output = new CodedOutputStream(buffer, leaveOpen: true))
            write(output);
        return ByteString.CopyFrom(buffer.GetBuffer(), 0, (int)buffer.Length);
    }

    private static void WriteMessage(CodedOutputStream output, int field, ByteString message)
    {
        output.WriteTag(field, WireFormat.WireType.LengthDelimited);
        output.WriteBytes(message);
    }

    private static void WriteInt(CodedOutputStream output, int field, int value)
    {
        output.WriteTag(field, WireFormat.WireType.Varint);
        output.WriteInt32(value);
    }

    private static void WriteBool(CodedOutputStream output, int field, bool value)
    {
        output.WriteTag(field, WireFormat.WireType.Varint);
        output.WriteBool(value);
    }

    private static void WritePieceName(CodedOutputStream output, int field, GgufVocabulary vocabulary, int? id)
    {
        if (id is not { } known)
            return;
        output.WriteTag(field, WireFormat.WireType.LengthDelimited);
        output.WriteString(vocabulary.Tokens[known]);
    }
}
