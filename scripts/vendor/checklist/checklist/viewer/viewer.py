from .template_editor import TemplateEditor
from .test_summarizer import TestSummarizer
from .suite_summarizer import SuiteSummarizer