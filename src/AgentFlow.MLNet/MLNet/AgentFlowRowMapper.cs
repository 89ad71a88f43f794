using Microsoft.ML;
using Microsoft.ML.Data;

namespace AgentFlow.MLNet.MLNet;

/// <summary>
/// Row-to-row form of the transformer, for <c>PredictionEngine</c> and chains: each input row is solved alone, once
/// (the result is kept until the input row moves on), when an added column is first read.
/// </summary>
internal sealed class AgentFlowRowMapper(AgentFlowBinding binding) : IRowToRowMapper
{
    public DataViewSchema InputSchema => binding.InputSchema;

    public DataViewSchema OutputSchema => binding.OutputSchema;

    public IEnumerable<DataViewSchema.Column> GetDependencies(IEnumerable<DataViewSchema.Column> dependingColumns) =>
        binding.Dependencies(dependingColumns);

    public DataViewRow GetRow(DataViewRow input, IEnumerable<DataViewSchema.Column> activeColumns) =>
        new AgentFlowRow(binding, input, activeColumns);

    private sealed class AgentFlowRow : DataViewRow
    {
        private readonly AgentFlowBinding _binding;
        private readonly DataViewRow _input;
        private readonly bool[] _active;
        private readonly ValueGetter<ReadOnlyMemory<char>>? _question;
        private readonly ValueGetter<ReadOnlyMemory<char>>? _gold;
        private readonly ValueGetter<DataViewRowId> _id;
        private long _solvedPosition = -1;
        private SolvedRow? _solved;

        internal AgentFlowRow(AgentFlowBinding binding, DataViewRow input, IEnumerable<DataViewSchema.Column> activeColumns)
        {
            _binding = binding;
            _input = input;
            _active = new bool[binding.OutputSchema.Count];
            foreach (var column in activeColumns)
                _active[column.Index] = true;
            _id = input.GetIdGetter();
            if (binding.NeedsSolving(i => _active[i]))
            {
                _question = input.GetGetter<ReadOnlyMemory<char>>(binding.Question);
                _gold = binding.Label is { } label ? input.GetGetter<ReadOnlyMemory<char>>(label) : null;
            }
        }

        public override DataViewSchema Schema => _binding.OutputSchema;

        public override long Position => _input.Position;

        public override long Batch => _input.Batch;

        public override ValueGetter<DataViewRowId> GetIdGetter() => _id;

        public override bool IsColumnActive(DataViewSchema.Column column) => _active[column.Index];

        public override ValueGetter<TValue> GetGetter<TValue>(DataViewSchema.Column column)
        {
            if (!_active[column.Index])
                throw new InvalidOperationException($"Column '{column.Name}' is not active in this row.");
            return column.Index < _binding.FirstAdded
                ? _input.GetGetter<TValue>(_binding.InputSchema[column.Index])
                : _binding.AddedGetter<TValue>(column.Index, Solve);
        }

        private SolvedRow Solve()
        {
            if (_solved is not null && _solvedPosition == _input.Position)
                return _solved;
            DataViewRowId id = default;
            _id(ref id);
            var row = ((long)id.Low, AgentFlowBinding.ReadText(_question), AgentFlowBinding.ReadText(_gold));
            _solved = _binding.SolveAsync([row], _binding.Pipeline.Options.CancellationToken).GetAwaiter().GetResult()[0];
            _solvedPosition = _input.Position;
            return _solved;
        }
    }
}
