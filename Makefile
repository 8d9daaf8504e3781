# Every target creates .venv when missing and installs the project into it.
# torch is pinned to 2.13.0 on purpose: that is the CPU build; any other
# spec pulls a multi-GB CUDA build.
PYTHON ?= python3
VENV   := .venv
PY     := $(VENV)/bin/python
STAMP  := $(VENV)/.installed-stamp
NOVEL  ?= ../shared/corpus/hongloumeng.txt

.PHONY: setup chat test lint format bench prepare default-model base

$(STAMP): pyproject.toml
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install -q --upgrade pip
	$(PY) -m pip install -q torch==2.13.0
	$(PY) -m pip install -q -e '.[dev]'
	touch $(STAMP)

setup: $(STAMP)

chat: $(STAMP)
	$(VENV)/bin/chatbot chat

# A worker per core (up to 4); the two files on the development novel share one
# worker so it is prepared once (their xdist_group).
test: $(STAMP)
	$(PY) -m pytest -q -n auto --maxprocesses 4 --dist loadgroup

lint: $(STAMP)
	$(VENV)/bin/ruff check . && $(VENV)/bin/ruff format --check .

format: $(STAMP)
	$(VENV)/bin/ruff format . && $(VENV)/bin/ruff check --fix .

prepare: $(STAMP)
	PATH=$(CURDIR)/$(VENV)/bin:$$PATH scripts/prepare_corpus.sh $(NOVEL)

bench: $(STAMP)
	$(PY) scripts/bench_prepare.py $(NOVEL)

# Rebuild the shipped default model from the novel: deterministic given the seeds
# (word2vec on one worker, with a fixed hash seed: gensim seeds each word vector
# from Python's string hash). BASE_FROM names a base model to fine-tune (make base);
# leave it empty to train from scratch.
BASE_FROM ?=
default-model: $(STAMP)
	PYTHONHASHSEED=0 $(VENV)/bin/chatbot prepare $(NOVEL) corpus/hongloumeng --workers 1 --force
	$(VENV)/bin/chatbot train corpus/hongloumeng --out corpus/hongloumeng/model --force --max-epochs 8 $(if $(BASE_FROM),--from $(BASE_FROM))
	$(PY) scripts/export_default_model.py corpus/hongloumeng/model

# A base model that has read the library (../shared/corpus/library), one book left out
# (LEAVE_OUT) to measure fine-tuning on a novel the base never saw. Resumable:
# make base BASE_ARGS=--resume. In the background: nohup make base > corpus/base.log 2>&1 &
# (a progress line with the ETA every 30 s).
LIBRARY   ?= ../shared/corpus/library
LEAVE_OUT ?= jinghua_yuan
BASE_ARGS ?=
base: $(STAMP)
	mkdir -p corpus/base_books
	for f in $(LIBRARY)/*.txt; do case $$f in *$(LEAVE_OUT).txt) ;; *) ln -sf $$(realpath $$f) corpus/base_books/ ;; esac; done
	PYTHONHASHSEED=0 $(VENV)/bin/chatbot pretrain corpus/base_books --out corpus/base --cache corpus/library --workers 1 $(BASE_ARGS)
