"""
Grids and studies: a grid runner over configs x seeds x training-set sizes (`grid`,
`run_grid`), with its cells shared by several workers through an Optuna study (`grid_study`,
`study_storage`), tuning studies (`tuning`), the results table (`results`), markdown summaries
(`report`) and plots (`plots`). They may import `sst_elmo`, never the lab's other rooms.
"""
