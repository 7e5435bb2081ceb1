# One-off migration, applied 2026-12-08 (run again it refuses: the rows already say they were corrected).
"""AUDIT7 F1: the H200 language rows of the 15 tied-embedding models were timed with an untied copy of the
embedding table (no_init_weights skipped the tying). Their peak memory is corrected by that one table
(vocab x hidden x 2 bytes): the tied re-measure on an H100 (out/llm_tied_h100.parquet) agrees within 3 MB
allocated on 13 of 14 models (gemma-2-9b 170 MB) and within 270 MB reserved."""
import glob, json
from efficiency.store import cache
d = cache.read('data/results.parquet')
specs = {'hf/' + json.load(open(f))['name']: json.load(open(f))['config'] for f in glob.glob('data/llm/*.json')}
tied = {k for k, c in specs.items() if c.get('tie_word_embeddings', True) and c.get('model_type') != 'bert'}
rows = d[(d.source == 'hf') & d.gpu_name.fillna('').str.contains('H200') & d.model.isin(tied)
         & d.mem_gpu_max_allocated_bytes.notna()].copy()
assert not rows.latency_notes.fillna('').str.contains('untied').any(), 'already corrected'
table = rows.model.map(lambda k: specs[k]['vocab_size'] * (specs[k].get('hidden_size') or specs[k].get('n_embd')) * 2)
note = ('peak memory corrected: measured with an untied copy of the embedding table (' + rows.mem_gpu_max_allocated_bytes.map(lambda b: f'{b / 1e9:.2f}')
        + ' GB allocated); one table (' + (table / 1e6).round().astype(int).astype(str) + ' MB) subtracted, as a tied re-measure on an H100 confirms')
old = rows.latency_notes.fillna('')
rows['latency_notes'] = (old + '; ').where(old != '', '') + note
rows['mem_gpu_max_allocated_bytes'] -= table
rows['mem_gpu_max_reserved_bytes'] -= table
print(len(rows), 'rows,', rows.model.nunique(), 'models:', sorted(rows.model.unique()))
cache.merge_rows(rows)
