"""The three cells, by the name lessons use."""

from stepper.cells.base import Cell
from stepper.cells.gru import CELL as GRU
from stepper.cells.lstm import CELL as LSTM
from stepper.cells.rnn import CELL as RNN

CELLS: dict[str, Cell] = {cell.name: cell for cell in (RNN, GRU, LSTM)}

__all__ = ["CELLS", "Cell"]
